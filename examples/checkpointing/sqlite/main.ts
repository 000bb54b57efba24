/**
 * The checkpointing example on a SQLite file (`SQLITE_DB_PATH`, default `./checkpoints.db`).
 *
 * The first attempt runs in a child process that dies in the middle of step2 (`process.exit`, no cleanup). This
 * process then opens the same file with a new store, finds the last checkpoint the child wrote, and carries on.
 */
import { fork } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { buildPipeline } from "../src/pipeline.js";
import { runScenario, type Print } from "../src/scenario.js";

const path = resolve(process.env.SQLITE_DB_PATH ?? "./checkpoints.db");
const [, , role, workerExecutionId] = process.argv;

if (role === "--crashing-worker" && workerExecutionId !== undefined) {
  // Child: run until step2 kills the process.
  const store = new SqliteCheckpointStore({ path });
  await buildPipeline({ store }, { crashInStep2: "exit" }).invoke({}, { executionId: workerExecutionId });
  throw new Error("unreachable: step2 should have ended the process");
}

function crashInChild(executionId: string, print: Print): Promise<void> {
  return new Promise((done, fail) => {
    const child = fork(fileURLToPath(import.meta.url), ["--crashing-worker", executionId], { stdio: "inherit" });
    child.on("error", fail);
    child.on("exit", (code) => {
      print(`   worker process ${child.pid} died in step2 (exit code ${code}); its checkpoints are in the file`);
      done();
    });
  });
}

console.log(`@lg checkpointing example on SQLite: ${path}\n`);
const store = new SqliteCheckpointStore({ path });
const executionId = `pipeline-${new Date().toISOString()}`;
await runScenario(store, executionId, { crashingRun: crashInChild });
const stats = await store.stats();
console.log(`\n${stats.executions} execution(s), ${stats.checkpoints} checkpoint(s) in ${path}`);
await store.close();
