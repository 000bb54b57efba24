import {
  appendReducer,
  CheckpointConflictError,
  CheckpointCorruptError,
  InvalidArgumentError,
  StateGraph,
  START,
  END,
  type Checkpoint,
  type CheckpointStore,
  type StateChanges,
} from "@lg/core";
import { createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectEqual, expectRejects, expectTrue, expectVersions, nth } from "./expect.js";
import type { RawStoreAccess, SpecOptions } from "./options.js";

const INVALID = { type: InvalidArgumentError, code: "LG_INVALID_ARGUMENT" } as const;
const CONFLICT = { type: CheckpointConflictError, code: "LG_CHECKPOINT_CONFLICT" } as const;
const CORRUPT = { type: CheckpointCorruptError, code: "LG_CHECKPOINT_CORRUPT" } as const;

/** A chat-like state: a list that grows by appending, a counter rewritten every step, a topic rarely written. */
interface Chat {
  messages: unknown[];
  turn: number;
  topic: string;
}

/** Writes checkpoints the way the runtime does for an incremental store: each one only with what it changed. */
class ChatWriter {
  private version = 0;
  readonly executionId = uniqueId("incremental");

  constructor(private readonly store: CheckpointStore) {}

  /** The execution's first checkpoint, whole. */
  async start(state: Chat): Promise<Checkpoint<Chat>> {
    const cp = this.checkpoint(state, undefined);
    await this.store.save(cp);
    return cp;
  }

  /** A checkpoint continuing `parent`: `appended` new messages, and the other channels of `set` written whole. */
  async step(
    parent: Checkpoint<Chat>,
    appended: unknown[],
    set: Partial<Omit<Chat, "messages">> = {},
  ): Promise<Checkpoint<Chat>> {
    const state: Chat = { ...parent.state, ...set, messages: [...parent.state.messages, ...appended] };
    const cp = this.checkpoint(state, parent.id);
    const changes: StateChanges = {
      parentId: parent.id,
      whole: Object.keys(set),
      appended: appended.length > 0 ? { messages: appended.length } : {},
    };
    await this.store.save(cp, { changes });
    return cp;
  }

  private checkpoint(state: Chat, parentId: string | undefined): Checkpoint<Chat> {
    this.version += 1;
    const cp = createTestCheckpoint<Chat>({
      executionId: this.executionId,
      version: this.version,
      state,
      nodeName: "chat",
    });
    if (parentId !== undefined) cp.parentId = parentId;
    return cp;
  }
}

/** A message holding values only the lossless serializer keeps, so a delta must go through it like a full state. */
function message(n: number, text = `message ${n}`): unknown {
  return {
    n,
    text,
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, n)),
    tokens: BigInt(n) * 1000n,
    tags: new Set([`t${n % 3}`]),
  };
}

async function expectState(store: CheckpointStore, cp: Checkpoint<Chat>, rule: string): Promise<void> {
  const loaded = await store.load(cp.id);
  expectTrue(loaded !== undefined, `${rule}: load returned nothing`);
  expectEqual(loaded.state, cp.state, rule);
}

/**
 * Incremental storage (capability `incremental`): a save given `changes` may store only what changed, but every
 * read — `load`, `latest`, `list`, after forks, prunes and deletes — returns full states; a broken chain is
 * `CheckpointCorruptError`; `changes` that do not fit the checkpoint are refused.
 */
export function incrementalSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("incremental", () => {
    ctx.testNeeding("incremental", "reads full states back from checkpoints saved as changes", async (store) => {
      const w = new ChatWriter(store);
      let cp = await w.start({ messages: [message(0)], turn: 0, topic: "start" });
      const saved: Checkpoint<Chat>[] = [cp];
      for (let i = 1; i <= 60; i++) {
        cp = await w.step(cp, i % 7 === 0 ? [] : [message(i), message(1000 + i)], {
          turn: i,
          ...(i % 10 === 0 ? { topic: `topic ${i}` } : {}),
        });
        saved.push(cp);
      }
      for (const each of [nth(saved, 0), nth(saved, 1), nth(saved, 7), nth(saved, 30), cp]) {
        await expectState(store, each, `load of version ${each.version} returns its full state`);
      }
      const latest = await store.latest(w.executionId);
      expectEqual(latest?.state, cp.state, "latest returns the full state");
      const listed = await store.list(w.executionId);
      expectVersions(
        listed,
        saved.map((s) => s.version),
        "list returns every checkpoint",
      );
      for (const [i, each] of listed.entries())
        expectEqual(each.state, nth(saved, i).state, `list item ${i} holds its full state`);
      const page = await store.list(w.executionId, { order: "desc", limit: 3, beforeVersion: 40 });
      expectEqual(
        page.map((p) => p.state),
        [39, 38, 37].map((v) => nth(saved, v - 1).state),
        "a listed page holds full states",
      );
    });

    ctx.testNeeding(
      "incremental",
      "keeps forks apart: each sees its parent chain's items and its own",
      async (store) => {
        const w = new ChatWriter(store);
        let trunk = await w.start({ messages: [], turn: 0, topic: "t" });
        for (let i = 1; i <= 5; i++) trunk = await w.step(trunk, [message(i)], { turn: i });
        const forkPoint = trunk;
        let left = forkPoint;
        let right = forkPoint;
        for (let i = 0; i < 4; i++) {
          left = await w.step(left, [message(100 + i, `left ${i}`)]);
          right = await w.step(right, [message(200 + i, `right ${i}`)], { topic: `right ${i}` });
        }
        const third = await w.step(forkPoint, [], { topic: "rewritten" });
        await expectState(store, left, "the left fork holds the trunk's items and its own");
        await expectState(store, right, "the right fork holds the trunk's items and its own");
        await expectState(store, third, "a fork that appended nothing holds the fork point's items");
        await expectState(store, forkPoint, "the fork point is unchanged by its forks");
      },
    );

    ctx.testNeeding(
      "incremental",
      "keeps what kept checkpoints read through when older ones are pruned or deleted",
      async (store) => {
        const w = new ChatWriter(store);
        let cp = await w.start({ messages: [message(0)], turn: 0, topic: "t" });
        const saved = [cp];
        for (let i = 1; i <= 30; i++) {
          cp = await w.step(cp, [message(i)], { turn: i });
          saved.push(cp);
          // Pruned to the newest five after every save, as the runtime does with maxCheckpoints: 5.
          if (i >= 5) await pruneTo(store, w.executionId, 5);
        }
        const kept = await store.list(w.executionId);
        expectVersions(kept, [27, 28, 29, 30, 31], "prune keeps the newest five");
        for (const each of saved.slice(-5))
          await expectState(store, each, `kept version ${each.version} holds its full state`);
        expectEqual(await store.load(nth(saved, 3).id), undefined, "a pruned checkpoint is gone");
        const stats = await store.stats();
        if (stats.estimated !== true)
          expectEqual(stats.checkpoints, 5, "stats count checkpoints, not the rows kept for them");
        // Deleting from the middle: the checkpoints after it still read through it.
        await store.delete(nth(saved, 28).id);
        await expectState(store, nth(saved, 29), "a checkpoint whose parent was deleted keeps its state");
        await expectState(store, nth(saved, 30), "and so does its child");
        cp = await w.step(nth(saved, 30), [message(99)]);
        await expectState(store, cp, "saving on goes on after prunes and deletes");
        const victim = nth(saved, 26);
        await store.delete(victim.id);
        await expectState(store, cp, "the newest keeps its state after the oldest kept one is deleted too");
      },
    );

    ctx.testNeeding("incremental", "keeps interleaved executions apart", async (store) => {
      const a = new ChatWriter(store);
      const b = new ChatWriter(store);
      let cpA = await a.start({ messages: [], turn: 0, topic: "a" });
      let cpB = await b.start({ messages: [], turn: 0, topic: "b" });
      for (let i = 1; i <= 10; i++) {
        [cpA, cpB] = await Promise.all([
          a.step(cpA, [message(i, `a${i}`)]),
          b.step(cpB, [message(i, `b${i}`), message(i, `b${i}'`)]),
        ]);
      }
      await expectState(store, cpA, "execution a holds only its items");
      await expectState(store, cpB, "execution b holds only its items");
      await store.clear(a.executionId);
      await expectState(store, cpB, "clearing one execution leaves the other whole");
    });

    ctx.testNeeding(
      "incremental",
      "refuses changes that do not fit the checkpoint, and stores nothing",
      async (store) => {
        const w = new ChatWriter(store);
        const first = await w.start({ messages: [message(0)], turn: 0, topic: "t" });
        const base = createTestCheckpoint<Chat>({
          executionId: w.executionId,
          version: 2,
          parentId: first.id,
          state: { messages: [message(0), message(1)], turn: 1, topic: "t" },
        });
        const bad: [string, StateChanges][] = [
          ["another parent", { parentId: uniqueId("not-the-parent"), whole: [], appended: { messages: 1 } }],
          ["a channel the state lacks", { parentId: first.id, whole: ["missing"], appended: {} }],
          ["more items than the channel holds", { parentId: first.id, whole: [], appended: { messages: 3 } }],
          ["items on a channel that is no list", { parentId: first.id, whole: [], appended: { topic: 1 } }],
          ["a negative count", { parentId: first.id, whole: [], appended: { messages: -1 } }],
        ];
        for (const [what, changes] of bad) {
          await expectRejects(store.save(base, { changes }), INVALID, `save with changes naming ${what}`);
        }
        expectVersions(await store.list(w.executionId), [1], "nothing was stored by the refused saves");
      },
    );

    ctx.testNeeding(
      "incremental",
      "treats a re-save of the same changes as a no-op and other content as a conflict",
      async (store) => {
        const w = new ChatWriter(store);
        const first = await w.start({ messages: [], turn: 0, topic: "t" });
        const second = await w.step(first, [message(1)], { turn: 1 });
        await store.save(second, { changes: { parentId: first.id, whole: ["turn"], appended: { messages: 1 } } });
        await store.save(second);
        const other = { ...second, state: { ...second.state, turn: 2 } };
        const changes: StateChanges = { parentId: first.id, whole: ["turn"], appended: { messages: 1 } };
        await expectRejects(store.save(other, { changes }), CONFLICT, "a re-save of the id with other content");
        await expectState(store, second, "the stored checkpoint is unchanged");
      },
    );

    ctx.testNeeding(
      "incremental",
      "keeps a 400-step conversation in space that grows with the messages, not their square",
      async (store) => {
        const w = new ChatWriter(store);
        const text = "x".repeat(1000);
        let cp = await w.start({ messages: [], turn: 0, topic: "t" });
        const before = (await store.stats()).bytes;
        for (let i = 1; i <= 400; i++) cp = await w.step(cp, [{ n: i, text }], { turn: i });
        await expectState(store, cp, "the last checkpoint holds all 400 messages");
        const after = (await store.stats()).bytes;
        if (before === undefined || after === undefined) return; // the store does not report bytes
        // Whole states would take ~80 MB (400 × 401 / 2 messages of 1 kB); changes ~0.4 MB plus per-row overhead.
        expectTrue(
          after - before < 16_000_000,
          `400 appended 1 kB messages took ${after - before} bytes: states were stored whole`,
        );
      },
    );

    ctx.testNeeding(
      "incremental",
      "runs a graph whose list grows, with retention, a fork and a resume",
      async (store) => {
        const graph = new StateGraph<{ log: string[]; n: number }>({
          channels: { log: { reducer: appendReducer, default: () => [] } },
        })
          .addNode("tick", (s) => ({ log: [`tick ${s.n}`], n: s.n + 1 }))
          .addConditionalEdges("tick", (s) => (s.n >= 12 ? END : "tick"))
          .addEdge(START, "tick");
        const app = graph.compile({ checkpoint: { store, maxCheckpoints: 4 } });
        const executionId = uniqueId("incremental-run");
        const result = await app.invoke({ n: 0 }, { executionId });
        const expected = Array.from({ length: 12 }, (_, i) => `tick ${i}`);
        expectEqual(result.state.log, expected, "the run's final state");
        const history = await app.getStateHistory(executionId);
        expectEqual(history.length, 4, "retention keeps four checkpoints");
        for (const snapshot of history) {
          expectEqual(
            snapshot.values.log,
            expected.slice(0, snapshot.values.n),
            `checkpoint at n=${snapshot.values.n} holds its full list`,
          );
        }
        const forkFrom = nth(history, 2);
        await app.updateState(executionId, { log: ["edited"] }, { checkpointId: forkFrom.checkpointId });
        const forked = await app.getState(executionId);
        expectEqual(
          forked?.values.log,
          [...expected.slice(0, forkFrom.values.n), "edited"],
          "a fork from a kept checkpoint",
        );
        const again = await app.invoke({ n: 10 }, { executionId });
        expectEqual(again.state.log.slice(-2), ["tick 10", "tick 11"], "a run continues from the fork");
        expectEqual(again.state.log.length, forkFrom.values.n + 1 + 2, "and keeps the fork's list");
      },
    );

    const damaged = async (store: S, raw: RawStoreAccess): Promise<void> => {
      const w = new ChatWriter(store);
      let cp = await w.start({ messages: [message(0)], turn: 0, topic: "t" });
      const middle: Checkpoint<Chat>[] = [];
      for (let i = 1; i <= 5; i++) {
        cp = await w.step(cp, [message(i)]);
        middle.push(cp);
      }
      await raw.corrupt({ id: nth(middle, 1).id, executionId: w.executionId, version: nth(middle, 1).version });
      await expectRejects(store.load(cp.id), CORRUPT, "load of a checkpoint read through a damaged row");
    };
    const damagedTitle = "a damaged change row is CheckpointCorruptError, never a shorter state";
    // Needs both the capability and the raw hook; without the capability it is reported as that skip.
    if (ctx.capabilities().incremental === true) ctx.testWithRaw(damagedTitle, damaged);
    else ctx.testNeeding("incremental", damagedTitle, async () => undefined);
  });
}

/** Prunes to the newest `keepLast` with the store's own prune, or delete one by one when it has none. */
async function pruneTo(store: CheckpointStore, executionId: string, keepLast: number): Promise<void> {
  if (typeof store.prune === "function") {
    await store.prune(executionId, { keepLast });
    return;
  }
  const all = await store.list(executionId);
  for (const cp of all.slice(0, Math.max(0, all.length - keepLast))) await store.delete(cp.id);
}
