import { InvalidArgumentError, SerializationError, type Checkpoint } from "@lg/core";
import { MemoryCheckpointStore } from "../src/index.js";
import { makeCheckpoint, newExecutionId } from "./fixtures.js";

describe("unstorable and malformed input", () => {
  let store: MemoryCheckpointStore;
  beforeEach(() => {
    store = new MemoryCheckpointStore();
  });
  afterEach(async () => {
    await store.close();
  });

  async function saveError(cp: Checkpoint): Promise<unknown> {
    let promise: Promise<void> | undefined;
    expect(() => {
      promise = store.save(cp);
    }).not.toThrow(); // reports by rejecting, never by throwing synchronously
    return (promise as Promise<void>).then(
      () => new Error("save resolved"),
      (e: unknown) => e,
    );
  }

  it("names the path of a function in state", async () => {
    const cp = makeCheckpoint(newExecutionId(), 1, { state: { user: { name: "ada", callback: () => 1 } } });
    const error = await saveError(cp);
    expect(error).toBeInstanceOf(SerializationError);
    expect(error).toMatchObject({ code: "LG_SERIALIZATION", path: "state.user.callback" });
    expect((error as Error).message).toContain("state.user.callback");
  });

  it("names the path of a symbol in metadata and of a cycle in state", async () => {
    const symbolError = await saveError(makeCheckpoint(newExecutionId(), 1, { metadata: { tag: Symbol("x") } }));
    expect(symbolError).toMatchObject({ path: "metadata.tag" });

    const node: Record<string, unknown> = { name: "loop" };
    node.self = node;
    const cycleError = await saveError(makeCheckpoint(newExecutionId(), 1, { state: { items: [node] } }));
    expect(cycleError).toBeInstanceOf(SerializationError);
    expect(cycleError).toMatchObject({ path: "state.items[0].self" });
  });

  it("stores nothing when a save is rejected", async () => {
    const executionId = newExecutionId();
    const cp = makeCheckpoint(executionId, 1, { state: { fn: () => 0 } });
    await saveError(cp);
    expect(await store.load(cp.id)).toBeUndefined();
    expect(await store.list(executionId)).toEqual([]);
    expect(await store.stats()).toMatchObject({ checkpoints: 0, executions: 0 });
    await store.save(makeCheckpoint(executionId, 1)); // the version is still free
    expect(await store.list(executionId)).toHaveLength(1);
  });

  it("rejects malformed checkpoint fields with InvalidArgumentError naming the field", async () => {
    const executionId = newExecutionId();
    const cases: Array<[Partial<Checkpoint>, string]> = [
      [{ id: "" }, "checkpoint.id"],
      [{ executionId: "" }, "checkpoint.executionId"],
      [{ version: 0 }, "checkpoint.version"],
      [{ version: 1.5 }, "checkpoint.version"],
      [{ timestamp: new Date(Number.NaN) }, "checkpoint.timestamp"],
      [{ next: [1 as unknown as string] }, "checkpoint.next"],
    ];
    for (const [override, field] of cases) {
      const error = await saveError(makeCheckpoint(executionId, 1, override));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toContain(field);
    }
    expect(await saveError(null as unknown as Checkpoint)).toBeInstanceOf(InvalidArgumentError);
  });

  it("rejects empty ids on every id-taking method", async () => {
    await expect(store.delete("")).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.clear("")).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.prune("", { keepLast: 1 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.load(42 as unknown as string)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
