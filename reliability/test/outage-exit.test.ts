import type { OutageBackend } from "../src/outage/backend.js";
import { exitAfterFreeze, exitAfterSilent, exitAfterSqliteLock, exitAfterStop } from "../src/outage/exit-scenarios.js";
import { PostgresOutageBackend } from "../src/outage/postgres-backend.js";
import { RedisOutageBackend } from "../src/outage/redis-backend.js";
import { FigureRecorder } from "../src/outage/recorder.js";

/**
 * "The process can exit": each failing scenario runs in a child process (tsx) that neither closes the store nor
 * calls process.exit after the error. It must print the typed error within the bound and then end by itself.
 */

let postgres: PostgresOutageBackend | undefined;
let redis: RedisOutageBackend | undefined;
const figures = new FigureRecorder();

beforeAll(async () => {
  [postgres, redis] = await Promise.all([PostgresOutageBackend.start(), RedisOutageBackend.start()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([postgres?.dispose(), redis?.dispose()]);
  await figures.flush();
}, 30_000);

function started(backend: OutageBackend | undefined): OutageBackend {
  if (backend === undefined) throw new Error("a private server did not start");
  return backend;
}

describe.each([
  ["postgres", () => started(postgres)],
  ["redis", () => started(redis)],
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
