import {
  aliasingSpec,
  concurrencySpec,
  deleteSpec,
  idsSpec,
  latestSpec,
  lifecycleSpec,
  listSpec,
  loadSpec,
  saveSpec,
  type SpecOptions,
} from "../src/index.js";
import { BrokenStore } from "./fixtures/broken-store.js";
import { CollectingRunner, type CollectedResult } from "./fixtures/collecting-runner.js";

// The spec runs on a deliberately broken store inside a collecting runner (not the host runner, whose run would
// otherwise fail); these tests assert that the right checks fail, with messages that say what is wrong.
let results: CollectedResult[];

beforeAll(async () => {
  const collecting = new CollectingRunner();
  const options: SpecOptions<BrokenStore> = {
    name: "broken",
    createStore: () => new BrokenStore(),
    runner: collecting.runner,
  };
  collecting.runner.describe("broken", () => {
    for (const spec of [
      saveSpec,
      loadSpec,
      listSpec,
      latestSpec,
      deleteSpec,
      idsSpec,
      aliasingSpec,
      concurrencySpec,
      lifecycleSpec,
    ]) {
      spec(options);
    }
  });
  results = await collecting.run();
});

function resultOf(title: string): CollectedResult {
  const found = results.filter((r) => r.title.endsWith(title));
  expect(found).toHaveLength(1);
  return found[0] as CollectedResult;
}

function expectFailure(title: string, ...fragments: string[]): void {
  const result = resultOf(title);
  expect(result.status).toBe("failed");
  for (const fragment of fragments) expect(result.error?.message).toContain(fragment);
}

describe("the spec on a broken store", () => {
  it("catches list returning insertion order", () => {
    expectFailure(
      "list › list(executionId) → versions [1, 2, 9, 10, 11, 100]",
      "expected versions [1, 2, 9, 10, 11, 100], got [10, 1, 100, 9, 2, 11]",
    );
    expectFailure(
      'list › list(executionId, {"order":"desc"}) → versions [100, 11, 10, 9, 2, 1]',
      "got [10, 1, 100, 9, 2, 11]",
    );
  });

  it("catches latest returning the first checkpoint", () => {
    expectFailure(
      "latest › returns the highest version, not the last saved",
      "latest after saving versions 2, 3, 1 must be version 3",
    );
  });

  it("catches a read-then-write save that lets concurrent savers all win", () => {
    expectFailure(
      "concurrency › 8 concurrent savers of one (executionId, version): exactly one wins",
      "exactly one of 8 concurrent saves of the same (executionId, version) must succeed, but 8 did",
      "read-then-write race",
    );
  });

  it("catches a conflict reported with a plain Error instead of CheckpointConflictError", () => {
    expectFailure(
      "save › a different checkpoint at a taken (executionId, version) is a conflict",
      "must reject with CheckpointConflictError (code LG_CHECKPOINT_CONFLICT), but it rejected with Error: version taken",
    );
  });

  it("catches shared references on save and on load", () => {
    expectFailure(
      "aliasing › mutating the saved object afterwards changes nothing stored",
      "the store must have copied the checkpoint on save",
    );
    expectFailure("aliasing › mutating what load returned changes nothing stored", "load must return a copy");
    expectFailure("aliasing › two loads return distinct objects", "two loads returned the same object");
  });

  it("catches clear treating % _ * ? as wildcards", () => {
    expectFailure("ids › wildcard characters in execution ids are matched literally", "must leave", "intact");
  });

  it("catches delete of a missing id throwing", () => {
    expectFailure(
      "delete and clear › delete of a missing id is a no-op that leaves other data intact",
      "delete(missing id) must succeed, but it rejected with Error: not found",
    );
  });

  it("catches a store that keeps working after close", () => {
    expectFailure(
      "lifecycle › after close every method rejects with StoreClosedError",
      "save resolved",
      "ping resolved",
    );
  });

  it("still passes the checks the broken store happens to keep", () => {
    expect(resultOf("load › an unknown id yields undefined").status).toBe("passed");
    expect(resultOf("save › round-trips every field through load").status).toBe("passed");
    expect(resultOf("lifecycle › ping resolves").status).toBe("passed");
  });

  it("fails many checks, each with a message that states the broken rule", () => {
    const failed = results.filter((r) => r.status === "failed");
    expect(failed.length).toBeGreaterThan(15);
    for (const result of failed) {
      expect(result.error?.message.length).toBeGreaterThan(20);
      expect(result.error?.message).not.toContain("[object Object]");
    }
  });
});
