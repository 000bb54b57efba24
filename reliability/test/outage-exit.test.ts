import { exitAfterFreeze, exitAfterSilent, exitAfterSqliteLock, exitAfterStop } from "../src/outage/exit-scenarios.js";
import { FigureRecorder } from "../src/outage/recorder.js";
import { OutageServers } from "../src/outage/servers.js";

/**
 * "The process can exit": each failing scenario runs in a child process (tsx) that neither closes the store nor
 * calls process.exit after the error. It must print the typed error within the bound and then end by itself.
 */

const servers = new OutageServers();
const figures = new FigureRecorder();

beforeAll(() => servers.start(), 90_000);

afterAll(async () => {
  await servers.dispose();
  await figures.flush();
}, 30_000);

describe.each([
  ["postgres", () => servers.postgres],
  ["redis", () => servers.redis],
])("%s", (_name, backend) => {
  it("a server stopped mid-run: the child reports the typed error and exits by itself", async () => {
    expect(figures.record(await exitAfterStop(backend()))).toEqual([]);
  }, 90_000);

  it("a server frozen mid-run: the child reports the typed error and exits by itself", async () => {
    expect(figures.record(await exitAfterFreeze(backend()))).toEqual([]);
  }, 90_000);

  it("a silent server at connect: the child reports the typed error and exits by itself", async () => {
    expect(figures.record(await exitAfterSilent(backend()))).toEqual([]);
  }, 90_000);
});

it("sqlite, the file locked mid-run: the child reports the typed error and exits by itself", async () => {
  expect(figures.record(await exitAfterSqliteLock())).toEqual([]);
}, 90_000);
