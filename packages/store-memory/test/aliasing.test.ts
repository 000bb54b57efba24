import type { Checkpoint } from "@lg/core";
import { MemoryCheckpointStore } from "../src/index.js";
import { makeCheckpoint, newExecutionId } from "./fixtures.js";

type State = { user: { name: string; roles: string[] }; seen: Set<string>; index: Map<string, number>; at: Date };

function stateful(executionId: string, version: number): Checkpoint<State> {
  const state: State = {
    user: { name: "ada", roles: ["admin"] },
    seen: new Set(["a"]),
    index: new Map([["a", 1]]),
    at: new Date(1000),
  };
  return makeCheckpoint(executionId, version, { state }) as Checkpoint<State>;
}

function scribble(cp: Checkpoint<State>): void {
  cp.state.user.name = "mallory";
  cp.state.user.roles.push("root");
  cp.state.seen.add("b");
  cp.state.index.set("b", 2);
  cp.state.at.setTime(0);
  cp.metadata.step = 999;
  cp.next.push("evil");
  cp.timestamp.setTime(0);
}

describe("no shared references", () => {
  let store: MemoryCheckpointStore;
  beforeEach(() => {
    store = new MemoryCheckpointStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it("is unaffected when the caller mutates the object it saved", async () => {
    const cp = stateful(newExecutionId(), 1);
    const expected = structuredClone(cp);
    await store.save(cp);
    scribble(cp);
    expect(await store.load(cp.id)).toEqual(expected);
  });

  it("is unaffected when the caller mutates what load, list and latest returned", async () => {
    const executionId = newExecutionId();
    const cp = stateful(executionId, 1);
    const expected = structuredClone(cp);
    await store.save(cp);

    scribble((await store.load(cp.id)) as Checkpoint<State>);
    scribble((await store.latest(executionId)) as Checkpoint<State>);
    for (const listed of await store.list(executionId)) scribble(listed as Checkpoint<State>);

    expect(await store.load(cp.id)).toEqual(expected);
    expect(await store.latest(executionId)).toEqual(expected);
  });

  it("hands out a different object on every read", async () => {
    const cp = stateful(newExecutionId(), 1);
    await store.save(cp);
    const first = (await store.load(cp.id)) as Checkpoint<State>;
    const second = (await store.load(cp.id)) as Checkpoint<State>;
    expect(first).toEqual(second);
    expect(first).not.toBe(second);
    expect(first.state).not.toBe(second.state);
    expect(first.state.user).not.toBe(second.state.user);
    expect(first.state).not.toBe(cp.state);
  });
});
