/**
 * Records the README's sessions ("A session" and "Executions run by workers") with the built binary, and prints them
 * in the README's format (`$ command`, then what it printed to stdout and stderr, in order), to be pasted unedited.
 *
 *   pnpm --filter @lg/cli build && npx tsx packages/cli/scripts/record-session.ts > session.txt
 *
 * Each command runs in bash, in a temporary directory holding `checkpoints.db`, with `lg-checkpoints` on the PATH (a
 * shim for `node dist/bin.js`). It needs the PostgreSQL and Redis of the README's URLs (trust authentication: the
 * password in a URL is not checked): the schema `restore_demo` and the Redis prefix `demo:` are this script's own,
 * emptied before and after.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { RedisCheckpointStore } from "@lg/store-redis";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { runWorkerExecutions, saveDirectExecutions } from "./session-data.js";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const PG_URL = "postgres://postgres@127.0.0.1:5432/test";
const PG_SCHEMA = "restore_demo";
const REDIS_URL = "redis://127.0.0.1:6379";
const REDIS_PREFIX = "demo:";
const RESTORE = `lg-checkpoints import --store "postgres://postgres:secret@127.0.0.1:5432/test?schema=${PG_SCHEMA}"`;

const FIRST = [
  "export LG_STORE_URL=sqlite:./checkpoints.db",
  "lg-checkpoints executions",
  "lg-checkpoints history order-42",
  "lg-checkpoints show {order-42 v3}",
  "lg-checkpoints diff {order-42 v3} {order-42 v4}",
  "lg-checkpoints stats",
  "lg-checkpoints ping",
  "lg-checkpoints export > backup.jsonl",
  "head -c 300 backup.jsonl; echo",
  `${RESTORE} < backup.jsonl`,
  `${RESTORE} < backup.jsonl   # again: a no-op`,
  'sed -i "2s/book/b00k/" backup.jsonl && lg-checkpoints import --check < backup.jsonl; echo "exit $?"',
  `lg-checkpoints copy --from sqlite:./checkpoints.db --to ${REDIS_URL}?prefix=${REDIS_PREFIX}`,
  "lg-checkpoints prune order-42 --keep-last 2 --dry-run",
  "lg-checkpoints prune --all --older-than 30d",
  "lg-checkpoints history order-42",
  'lg-checkpoints ping --store postgres://app:hunter2@127.0.0.1:1/app; echo "exit $?"',
  'lg-checkpoints history order-99; echo "exit $?"',
];

const WORKERS = [
  "lg-checkpoints executions",
  "lg-checkpoints executions --status paused,failed",
  "lg-checkpoints executions --status queued --json",
  "lg-checkpoints stats",
  "lg-checkpoints cancel order-47",
  "lg-checkpoints cancel order-44",
  "lg-checkpoints executions --status cancelled",
  "lg-checkpoints history order-45",
  'lg-checkpoints cancel order-99; echo "exit $?"',
  'lg-checkpoints executions --status finished; echo "exit $?"',
];

/** Empties this script's PostgreSQL schema and Redis prefix. */
async function clearServers(): Promise<void> {
  const sql = postgres(PG_URL, { onnotice: () => undefined });
  try {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${PG_SCHEMA}" CASCADE`);
  } finally {
    await sql.end();
  }
  const redis = new RedisCheckpointStore({ url: REDIS_URL, prefix: REDIS_PREFIX });
  try {
    for (const id of ["order-42", "order-43"]) await redis.clear(id);
  } finally {
    await redis.close();
  }
}

/** Saves into the session's file through a store of its own, closed before the binary reads the file. */
async function withFile(path: string, work: (store: SqliteCheckpointStore) => Promise<void>): Promise<void> {
  const store = new SqliteCheckpointStore({ path });
  try {
    await work(store);
  } finally {
    await store.close();
  }
}

/** Runs each command in `dir` and prints it with its output; `{order-42 v3}` stands for that checkpoint's id. */
function run(commands: readonly string[], dir: string, env: NodeJS.ProcessEnv, ids: Map<string, string>): void {
  for (const template of commands) {
    const command = template.replace(/\{([^ }]+) v(\d+)\}/g, (_all, id: string, v: string) => {
      const found = ids.get(`${id} v${v}`);
      if (found === undefined) throw new Error(`no checkpoint ${id} v${v}`);
      return found;
    });
    // stderr joins stdout before the command's own redirections, so both are printed in the order they were written.
    const result = spawnSync("bash", ["-c", `exec 2>&1\n${command}`], { cwd: dir, env, encoding: "utf8" });
    process.stdout.write(`$ ${command}\n${result.stdout}`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "lg-cli-session-"));
  const shim = join(dir, ".bin");
  spawnSync("mkdir", [shim]);
  writeFileSync(join(shim, "lg-checkpoints"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(shim, "lg-checkpoints"), 0o755);
  // The session's first command exports LG_STORE_URL; each command runs in a shell of its own, so it is passed on.
  const env = { PATH: `${shim}:${process.env.PATH ?? ""}`, NO_COLOR: "1", LG_STORE_URL: "sqlite:./checkpoints.db" };
  const file = join(dir, "checkpoints.db");
  const ids = new Map<string, string>();
  try {
    await clearServers();
    await withFile(file, async (store) => {
      await saveDirectExecutions(store);
      for (const cp of await store.list("order-42")) ids.set(`order-42 v${cp.version}`, cp.id);
    });
    run(FIRST, dir, env, ids);
    await withFile(file, runWorkerExecutions);
    process.stdout.write("\n");
    run(WORKERS, dir, env, ids);
  } finally {
    await clearServers();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
