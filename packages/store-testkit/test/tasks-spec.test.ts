import { tasksSpec, type SpecOptions } from "../src/index.js";
import { CollectingRunner, type CollectedResult } from "./fixtures/collecting-runner.js";
import { MapStore, mapStoreRaw } from "./fixtures/map-store.js";
import { TasksDroppingStore, TasksInMetadataStore } from "./fixtures/tasks-stores.js";

// The task results spec on stores that get them wrong, inside a collecting runner (the host runner's run would
// otherwise fail): the right checks must fail, with messages that say what the store does wrong.
async function runTasksSpec(createStore: () => MapStore): Promise<CollectedResult[]> {
  const collecting = new CollectingRunner();
  const options: SpecOptions<MapStore> = { name: "tasks", createStore, raw: mapStoreRaw, runner: collecting.runner };
  collecting.runner.describe("broken", () => tasksSpec(options));
  return collecting.run();
}

function statusOf(results: CollectedResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.title.replace("broken › task results › ", ""), r.status]));
}

function messageOf(results: CollectedResult[], title: string): string {
  const found = results.filter((r) => r.title.endsWith(title));
  expect(found).toHaveLength(1);
  return found[0]?.error?.message ?? "";
}

describe("the task results spec", () => {
  describe("on a store that drops tasks on save", () => {
    let results: CollectedResult[];

    beforeAll(async () => {
      results = await runTasksSpec(() => new TasksDroppingStore());
    });

    it("fails every check that reads task results back, and passes the one about checkpoints without them", () => {
      expect(statusOf(results)).toEqual({
        "round-trip exactly through load, latest and list": "failed",
        "come back as fresh objects: changing what was saved or loaded changes nothing stored": "failed",
        "a checkpoint without task results comes back without the field": "passed",
        "an identical re-save with task results is a no-op, also with keys in another order": "failed",
        "a re-save with different task results is a conflict and changes nothing": "failed",
        "the stored record keeps task results outside the metadata": "failed",
      });
    });

    it("says which read lost them and what the store must keep, with a diff", () => {
      const message = messageOf(results, "round-trip exactly through load, latest and list");
      expect(message).toContain("load(id).tasks must equal the saved task results");
      expect(message).toContain("a store keeps Checkpoint.tasks losslessly, like state");
      expect(message).toContain("anchorId");
      expect(message).not.toContain("[object Object]");
    });

    it("reports the re-save of different task results that was accepted", () => {
      expect(messageOf(results, "a re-save with different task results is a conflict and changes nothing")).toContain(
        "re-saving a stored id whose task results differ (another write of a finished node) must reject with " +
          "CheckpointConflictError (code LG_CHECKPOINT_CONFLICT), but it resolved",
      );
    });

    it("finds the task results missing from the stored record", () => {
      expect(messageOf(results, "the stored record keeps task results outside the metadata")).toContain(
        "the store drops Checkpoint.tasks on save",
      );
    });
  });

  it("on a store that hides task results inside metadata, fails only the stored-record check", async () => {
    const results = await runTasksSpec(() => new TasksInMetadataStore());
    const failed = results.filter((r) => r.status === "failed");
    expect(failed.map((r) => r.title)).toEqual([
      "broken › task results › the stored record keeps task results outside the metadata",
    ]);
    expect(failed[0]?.error?.message).toContain("the task results are stored inside the metadata");
    expect(results.filter((r) => r.status === "passed")).toHaveLength(5);
  });

  it("passes on the reference store", async () => {
    const results = await runTasksSpec(() => new MapStore());
    expect(results.map((r) => r.status)).toEqual(Array(6).fill("passed"));
  });
});
