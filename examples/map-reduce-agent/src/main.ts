/**
 * Runs the map-reduce agent on a SQLite file across two processes: a worker process runs it until the review
 * subgraph asks for approval and exits; this process then answers, and the agent continues inside the subgraph.
 *
 *   pnpm --filter @lg/example-map-reduce-agent start
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "@lg/core";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { buildAgent } from "./agent.js";

const DOCS = [
  "Pricing moved to usage based billing in March",
  "Churn fell after the onboarding redesign shipped",
  "Support tickets doubled during the outage week",
];

async function firstProcess(path: string, executionId: string): Promise<void> {
  const store = new SqliteCheckpointStore({ path });
  try {
    const agent = buildAgent(store, new Set([DOCS[1] as string]));
    let tokens = 0;
    let result;
    const parts = agent.stream({ docs: DOCS }, { executionId, streamMode: ["custom", "tasks"] });
    for (;;) {
      const item = await parts.next();
      if (item.done === true) {
        result = item.value;
        break;
      }
      const part = item.value;
      if (part.mode === "custom") tokens++;
      if (part.mode === "tasks" && part.event === "result" && part.outcome === "failed") {
        console.log(
          `[worker] ${part.task ?? part.node} attempt ${part.attempt} failed: ${String((part.error as Error).message)}; retrying`,
        );
      }
    }
    console.log(`[worker] streamed ${tokens} tokens; status ${result.status}`);
    console.log(`[worker] the review subgraph asks: ${String(result.interrupts[0]?.value).split("\n")[0]}`);
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const [, , role, path, executionId] = process.argv;
  if (role === "--worker" && path !== undefined && executionId !== undefined) return firstProcess(path, executionId);
  const dir = mkdtempSync(join(tmpdir(), "lg-map-reduce-"));
  const file = join(dir, "agent.db");
  const id = `report-${Date.now()}`;
  try {
    // The first process runs until the human is asked, then exits.
    const self = fileURLToPath(import.meta.url);
    execFileSync(process.execPath, [...process.execArgv, self, "--worker", file, id], { stdio: "inherit" });
    // This process answers: the agent continues inside the review subgraph.
    const store = new SqliteCheckpointStore({ path: file });
    try {
      const agent = buildAgent(store);
      const waiting = await agent.getState(id, undefined, { subgraphs: true });
      console.log(`[human] pending in the subgraph: ${waiting?.subgraphs?.review?.next.join(", ") ?? "nothing"}`);
      const done = await agent.invoke(new Command({ resume: "approve" }), { executionId: id });
      console.log(`[human] approved; status ${done.status}; verdict ${done.state.verdict ?? ""}`);
      console.log(done.state.report);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
