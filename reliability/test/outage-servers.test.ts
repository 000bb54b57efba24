import { PrivatePostgres } from "../../packages/store-postgres/test/private-postgres.js";
import { PrivateRedis } from "../../packages/store-redis/test/private-redis.js";
import { connectionsKilledMidRun } from "../src/outage/kills.js";
import { FigureRecorder } from "../src/outage/recorder.js";
import { OutageServers } from "../src/outage/servers.js";
import {
  httpServerOnPort,
  SCENARIOS,
  serverFrozenMidRun,
  serverStoppedMidRun,
  silentServerAtConnect,
  wrongServiceAt,
} from "../src/outage/scenarios.js";

/**
 * Server outages with the runtime on top: a graph runs on a private PostgreSQL (stopped with pg_ctl stop -m
 * immediate) or redis-server (append-only file fsync'd always; killed with SIGKILL) that is stopped, frozen, replaced
 * by the wrong service or has its connections killed. Each run fails with StoreUnavailableError within the documented
 * bound (or finishes), keeps a whole history and resumes to the state of an uninterrupted run.
 */

const servers = new OutageServers();
const figures = new FigureRecorder();

beforeAll(() => servers.start(), 90_000);

afterAll(async () => {
  await servers.dispose();
  await figures.flush();
}, 30_000);

/** The other kind of database, on a port of its own: where a store pointed at the wrong port would land. */
interface OtherDatabase {
  port: number;
  dispose(): Promise<void>;
}

describe.each([
  {
    name: "postgres",
    backend: () => servers.postgres,
    otherDatabase: async (): Promise<OtherDatabase> => PrivateRedis.start(),
    stop: "pg_ctl stop -m immediate",
    kill: "pg_terminate_backend",
  },
  {
    name: "redis",
    backend: () => servers.redis,
    otherDatabase: async (): Promise<OtherDatabase> => PrivatePostgres.start(),
    stop: "SIGKILL",
    kill: "CLIENT KILL",
  },
])("$name", ({ backend, otherDatabase, stop, kill }) => {
  it(`a server stopped mid-run (${stop}): typed error in bound, whole history, resume after restart`, async () => {
    expect(figures.record(await serverStoppedMidRun(backend()))).toEqual([]);
  }, 60_000);

  it("a server frozen mid-run (SIGSTOP): typed error at command time in bound, resume after SIGCONT", async () => {
    expect(figures.record(await serverFrozenMidRun(backend()))).toEqual([]);
  }, 60_000);

  it("a silent server (accepts, never answers): typed error at connect in bound", async () => {
    expect(figures.record(await silentServerAtConnect(backend()))).toEqual([]);
  }, 30_000);

  it("an HTTP server on the port: typed error in bound", async () => {
    expect(figures.record(await httpServerOnPort(backend()))).toEqual([]);
  }, 30_000);

  it("the other database on the port: typed error in bound", async () => {
    const other = await otherDatabase();
    try {
      expect(figures.record(await wrongServiceAt(backend(), SCENARIOS.otherDatabase, other.port))).toEqual([]);
    } finally {
      await other.dispose();
    }
  }, 60_000);

  it(`connections killed mid-run (${kill}): the run finishes or fails typed and resumes; nothing lost`, async () => {
    expect(figures.record(await connectionsKilledMidRun(backend()))).toEqual([]);
  }, 90_000);
});
