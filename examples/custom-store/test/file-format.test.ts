import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pruneCheckpoints, serializeCheckpoint, type Checkpoint, type StateChanges } from "@lg/core/store";
import { createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { JsonFileCheckpointStore, type ExecutionFile, type RowEntry } from "../src/index.js";

interface Chat {
  messages: string[];
  turn: number;
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

let directory: string;
let store: JsonFileCheckpointStore;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "lg-json-format-"));
  store = new JsonFileCheckpointStore(directory);
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Checkpoint `version` of a chat whose messages are `m1`…`m<count>`. */
function chat(executionId: string, version: number, count: number, parent?: Checkpoint<Chat>): Checkpoint<Chat> {
  const messages = Array.from({ length: count }, (_, i) => `m${i + 1}`);
  const cp = createTestCheckpoint<Chat>({ executionId, version, state: { messages, turn: version } });
  if (parent !== undefined) cp.parentId = parent.id;
  return cp;
}

/** What the runtime sends with a step that appended `appended` messages and rewrote `turn`. */
function changesFrom(parent: Checkpoint<Chat>, appended: number): StateChanges {
  return { parentId: parent.id, whole: ["turn"], appended: { messages: appended } };
}

function fileOf(executionId: string): ExecutionFile {
  return JSON.parse(readFileSync(store.executionPath(executionId), "utf8")) as ExecutionFile;
}

function entryOf(cp: Checkpoint): RowEntry {
  const entry = fileOf(cp.executionId).entries.find((e) => e.id === cp.id);
  if (entry === undefined || !("row" in entry)) throw new Error(`no row entry for version ${cp.version}`);
  return entry;
}

/** Writes an execution file in the first format (each entry's `data` is `serializeCheckpoint(cp)`) by hand. */
function writeFirstFormat(checkpoints: Checkpoint[]): void {
  const executionId = (checkpoints[0] as Checkpoint).executionId;
  const entries = checkpoints.map((cp) => ({
    id: cp.id,
    version: cp.version,
    timestamp: cp.timestamp.getTime(),
    data: serializeCheckpoint(cp),
  }));
  writeFileSync(join(directory, "executions", `${sha256(executionId)}.json`), JSON.stringify({ executionId, entries }));
  mkdirSync(join(directory, "ids"), { recursive: true });
  for (const cp of checkpoints) writeFileSync(join(directory, "ids", sha256(cp.id)), executionId);
}

/** A full first checkpoint, then (after `between`) a second one saved as its changes: one appended message. */
async function firstAndStep(
  label: string,
  between?: (first: Checkpoint<Chat>) => Promise<void>,
): Promise<{ executionId: string; first: Checkpoint<Chat>; second: Checkpoint<Chat> }> {
  const executionId = uniqueId(label);
  const first = chat(executionId, 1, 1);
  const second = chat(executionId, 2, 2, first);
  await store.save(first);
  await between?.(first);
  await store.save(second, { changes: changesFrom(first, 1) });
  return { executionId, first, second };
}

describe("JsonFileCheckpointStore file format", () => {
  it("stores a save with changes as a row of the changes, linked to its parent", async () => {
    const { first, second } = await firstAndStep("rows");
    expect(entryOf(first).row.base).toBeDefined();
    const row = entryOf(second);
    expect(row.link).toBe(first.id);
    expect(row.row).toEqual({ whole: [["turn", 2]], items: [["messages", ["m2"]]] });
    expect((await store.load(second.id))?.state).toEqual(second.state);
  });

  it("stores a save whose parent is not in the file as a full row", async () => {
    const { second } = await firstAndStep("orphan", (first) => store.delete(first.id));
    const row = entryOf(second);
    expect(row.link).toBeUndefined();
    expect(row.row.base).toBeDefined();
    expect((await store.load(second.id))?.state).toEqual(second.state);
  });

  it("hides a deleted checkpoint others read through, and an identical re-save brings it back", async () => {
    const { executionId, first, second } = await firstAndStep("hidden");
    await store.delete(first.id);
    expect(entryOf(first).hidden).toBe(true);
    expect(await store.load(first.id)).toBeUndefined();
    expect((await store.listHeaders(executionId)).map((h) => h.version)).toEqual([2]);
    expect((await store.stats()).checkpoints).toBe(1);
    await expect(store.save(chat(executionId, 1, 5))).rejects.toMatchObject({ code: "LG_CHECKPOINT_CONFLICT" });
    await store.save(first);
    expect(entryOf(first).hidden).toBeUndefined();
    expect((await store.list(executionId)).map((cp) => cp.state)).toEqual([first.state, second.state]);
  });

  it("reads files of the first format as full rows, and continues them incrementally", async () => {
    const executionId = uniqueId("first-format");
    const one = chat(executionId, 1, 1);
    const two = chat(executionId, 2, 2, one);
    const three = chat(executionId, 3, 3, two);
    writeFirstFormat([one, two, three]);

    expect((await store.load(two.id))?.state).toEqual(two.state);
    expect((await store.latest(executionId))?.id).toBe(three.id);
    expect((await store.list(executionId)).map((cp) => cp.state)).toEqual([one.state, two.state, three.state]);
    expect((await store.listHeaders(executionId)).map((h) => h.id)).toEqual([one.id, two.id, three.id]);
    await store.save(two); // an identical re-save of a first-format entry is a no-op
    await expect(store.save({ ...two, nodeName: "other" })).rejects.toMatchObject({ code: "LG_CHECKPOINT_CONFLICT" });

    let parent = three;
    const saved: Checkpoint<Chat>[] = [];
    for (let version = 4; version <= 8; version++) {
      const next = chat(executionId, version, version, parent);
      await store.save(next, { changes: changesFrom(parent, 1) });
      saved.push(next);
      parent = next;
    }
    expect(entryOf(saved[0] as Checkpoint).link).toBe(three.id);
    expect((await store.load(parent.id))?.state).toEqual(parent.state);

    // Core's prune (this store has no native one) deletes through `delete`: the first-format row the new rows read
    // through is kept hidden, the others go, and hidden rows merge into one base.
    expect(await pruneCheckpoints(store, executionId, { keepLast: 2 })).toBe(6);
    expect((await store.list(executionId)).map((cp) => cp.state)).toEqual(saved.slice(-2).map((cp) => cp.state));
    const left = fileOf(executionId).entries;
    expect(left.map((e) => [e.version, e.hidden === true])).toEqual([
      [3, true],
      [7, false],
      [8, false],
    ]);
    expect("data" in (left[0] as object)).toBe(false); // merged rows are written in the row format
    expect((await store.listExecutions()).executions).toEqual([
      { executionId, latestVersion: 8, updatedAt: parent.timestamp },
    ]);
  });

  it("rejects with CheckpointCorruptError when a row of the chain is missing", async () => {
    const { executionId, first, second } = await firstAndStep("broken");
    const file = fileOf(executionId);
    file.entries = file.entries.filter((e) => e.id !== first.id);
    writeFileSync(store.executionPath(executionId), JSON.stringify(file));
    await expect(store.load(second.id)).rejects.toMatchObject({
      code: "LG_CHECKPOINT_CORRUPT",
      checkpointId: second.id,
    });
    await expect(store.list(executionId)).rejects.toMatchObject({ code: "LG_CHECKPOINT_CORRUPT" });
  });
});
