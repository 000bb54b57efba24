import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { MIGRATIONS } from "../src/migrations.js";
import { createRelease01File, release01Execution } from "./fixtures/release-0.1.js";
import type { Outcome, WriterCommand, WriterReply } from "./fixtures/writer-process.js";
import { startChild, type Child } from "./child-process.js";
import { makeTempDir, randomExecutionId, type TempDir } from "./helpers.js";

/**
 * Two real Node processes share one database file. Each runs test/fixtures/writer-process.ts through tsx and
 * is driven over IPC; both start each phase at the same instant so that their writes overlap.
 */
const WRITER_SCRIPT = join(__dirname, "fixtures", "writer-process.ts");

type Writer = Child<WriterCommand, WriterReply>;

function startWriter(): Writer {
  return startChild<WriterCommand, WriterReply>(WRITER_SCRIPT);
}

function outcomesOf(reply: WriterReply): Outcome[] {
  if (reply.kind !== "done") throw new Error(`writer did not finish: ${JSON.stringify(reply)}`);
  return reply.outcomes;
}

const BOTH_OPENED: WriterReply[] = [
  { kind: "opened", schemaVersion: MIGRATIONS.length },
  { kind: "opened", schemaVersion: MIGRATIONS.length },
];

function migrationVersions(file: string): number[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT version FROM "checkpoints_migrations" ORDER BY version').pluck().all() as number[];
  } finally {
    db.close();
  }
}

function count(outcomes: Outcome[], kind: Outcome): number {
  return outcomes.filter((o) => o === kind).length;
}

let temp: TempDir;
let writers: Writer[];

beforeAll(async () => {
  temp = makeTempDir();
  writers = [startWriter(), startWriter()];
  // Both open the same brand-new file at once: the schema migration must run exactly once.
  const startAt = Date.now() + 1500;
  const opened = await Promise.all(
    writers.map((w) => w.send({ kind: "open", file: temp.file(), busyTimeoutMs: 5000, startAt })),
  );
  expect(opened).toEqual(BOTH_OPENED);
}, 60_000);

afterAll(async () => {
  await Promise.all((writers ?? []).map((w) => w.stop({ kind: "exit" })));
  temp.remove();
});

describe("two processes on one SQLite file", () => {
  it("both succeed writing different executions concurrently (200 saves each)", async () => {
    const prefixes = [randomExecutionId("p1"), randomExecutionId("p2")];
    const startAt = Date.now() + 200;
    const replies = await Promise.all(
      writers.map((w, i) =>
        w.send({ kind: "write", executionPrefix: prefixes[i] as string, executions: 20, versions: 10, startAt }),
      ),
    );
    for (const reply of replies) {
      const outcomes = outcomesOf(reply);
      expect(outcomes.filter((o) => o !== "saved")).toEqual([]);
      expect(outcomes).toHaveLength(200);
    }
    const store = new SqliteCheckpointStore({ path: temp.file() });
    try {
      for (const prefix of prefixes) {
        for (let e = 0; e < 20; e++) {
          const versions = (await store.list(`${prefix}-${e}`)).map((cp) => cp.version);
          expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        }
      }
    } finally {
      await store.close();
    }
  });

  it("racing on the same execution yields exactly one save and one conflict per version, never a lock error", async () => {
    const executionId = randomExecutionId("race");
    const rounds = 150;
    const startAt = Date.now() + 200;
    const replies = await Promise.all(
      writers.map((w, i) => w.send({ kind: "race", executionId, rounds, writer: `w${i}`, startAt, slotMs: 4 })),
    );
    const [a, b] = replies.map(outcomesOf) as [Outcome[], Outcome[]];
    expect([...a, ...b].filter((o) => o !== "saved" && o !== "conflict")).toEqual([]);
    for (let v = 0; v < rounds; v++) {
      expect([a[v], b[v]].sort()).toEqual(["conflict", "saved"]);
    }
    expect(count(a, "saved") + count(b, "saved")).toBe(rounds);
    // Lockstep rounds make it a real race: each process wins some (typically about half).
    expect(Math.min(count(a, "saved"), count(b, "saved"))).toBeGreaterThan(0);
    const store = new SqliteCheckpointStore({ path: temp.file() });
    try {
      const stored = await store.list(executionId);
      expect(stored.map((cp) => cp.version)).toEqual(Array.from({ length: rounds }, (_, i) => i + 1));
      // Each stored version is the one its winner reported saving.
      const winners = stored.map((cp) => (cp.state as { writer: string }).writer);
      expect(winners.map((w, v) => (w === "w0" ? a[v] : b[v]))).toEqual(Array(rounds).fill("saved"));
    } finally {
      await store.close();
    }
  });

  // Last: it leaves the writers on other files. SQLite answers a switch to WAL that meets the other process's lock
  // with SQLITE_BUSY at once (no busy handler); the store retries it within busyTimeoutMs.
  it("opening the same brand-new file at the same instant never fails (20 rounds)", async () => {
    for (let round = 0; round < 20; round++) {
      const file = temp.file(`fresh-${round}.db`);
      const startAt = Date.now() + 100;
      const opened = await Promise.all(
        writers.map((w) => w.send({ kind: "open", file, busyTimeoutMs: 5000, startAt })),
      );
      expect(opened).toEqual(BOTH_OPENED);
    }
  }, 60_000);

  // A second ALTER TABLE of the same column would fail ("duplicate column name"), so a migration applied twice
  // cannot hide: both opens must succeed and the file must record each version once.
  it("opening a file of release 0.1.0 at the same instant migrates it once and keeps its rows (10 rounds)", async () => {
    for (let round = 0; round < 10; round++) {
      const file = temp.file(`release-0.1-${round}.db`);
      const legacy = release01Execution();
      createRelease01File(file, legacy);
      const startAt = Date.now() + 100;
      const opened = await Promise.all(
        writers.map((w) => w.send({ kind: "open", file, busyTimeoutMs: 5000, startAt })),
      );
      expect(opened).toEqual(BOTH_OPENED);
      expect(migrationVersions(file)).toEqual(MIGRATIONS.map((m) => m.version));
      const store = new SqliteCheckpointStore({ path: file });
      try {
        expect(await store.list(legacy[0]?.executionId as string)).toEqual(legacy);
      } finally {
        await store.close();
      }
    }
  }, 60_000);
});
