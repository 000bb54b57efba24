import { randomBytes } from "node:crypto";
import {
  CheckpointConflictError,
  CheckpointCorruptError,
  InvalidArgumentError,
  withEncryption,
  type Checkpoint,
} from "../src/index.js";
import { type EncodedCheckpoint } from "../src/store-entry.js";
import { MapStore } from "./support/map-store.js";

const keys = { k1: randomBytes(32), k2: randomBytes(32) };

function checkpoint(id: string, executionId: string, version: number, state: unknown, parentId?: string): Checkpoint {
  const cp: Checkpoint = {
    id,
    executionId,
    nodeName: "n",
    state,
    metadata: { source: "loop", step: version, execution_id: executionId, owner: executionId },
    timestamp: new Date(1_700_000_000_000 + version),
    version,
    next: ["x"],
  };
  if (parentId !== undefined) cp.parentId = parentId;
  return cp;
}

function row(inner: MapStore, id: string): EncodedCheckpoint {
  const found = inner.rows.get(id);
  if (found === undefined) throw new Error(`${id} is not stored`);
  return found;
}

describe("withEncryption binds each ciphertext to its checkpoint", () => {
  it("refuses another checkpoint's envelope copied into a row", async () => {
    const inner = new MapStore();
    const store = withEncryption(inner, { keys, currentKeyId: "k1" });
    await store.save(checkpoint("alice-1", "alice", 1, { balance: 1_000_000, ssn: "alice-secret" }));
    await store.save(checkpoint("bob-1", "bob", 1, { balance: 5 }));
    inner.rows.set("bob-1", { ...row(inner, "bob-1"), state: row(inner, "alice-1").state });
    await expect(store.load("bob-1")).rejects.toBeInstanceOf(CheckpointCorruptError);
    await expect(store.latest("bob")).rejects.toMatchObject({ code: "LG_CHECKPOINT_CORRUPT", checkpointId: "bob-1" });
    await expect(store.list("bob")).rejects.toBeInstanceOf(CheckpointCorruptError);
    expect((await store.load("alice-1"))?.state).toEqual({ balance: 1_000_000, ssn: "alice-secret" });
  });

  it("refuses a row rolled back to the older ciphertext of another checkpoint of the execution", async () => {
    const inner = new MapStore();
    const store = withEncryption(inner, { keys, currentKeyId: "k1" });
    await store.save(checkpoint("e-1", "e", 1, { approved: false }));
    await store.save(checkpoint("e-2", "e", 2, { approved: true }, "e-1"));
    inner.rows.set("e-2", { ...row(inner, "e-2"), state: row(inner, "e-1").state });
    await expect(store.latest("e")).rejects.toBeInstanceOf(CheckpointCorruptError);
  });

  it("refuses an envelope sealed with an older key copied into a row of another checkpoint", async () => {
    const inner = new MapStore();
    const before = withEncryption(inner, { keys: { k1: keys.k1 }, currentKeyId: "k1" });
    await before.save(checkpoint("a-1", "a", 1, { v: "a" }));
    const rotated = withEncryption(inner, { keys, currentKeyId: "k2" });
    await rotated.save(checkpoint("b-1", "b", 1, { v: "b" }));
    expect((await rotated.load("a-1"))?.state).toEqual({ v: "a" }); // old key still opens its own rows
    inner.rows.set("b-1", { ...row(inner, "b-1"), state: row(inner, "a-1").state });
    await expect(rotated.load("b-1")).rejects.toBeInstanceOf(CheckpointCorruptError);
  });

  const alterations: Array<[string, (r: EncodedCheckpoint) => EncodedCheckpoint]> = [
    ["executionId changed", (r) => ({ ...r, executionId: "mallory" })],
    ["version changed", (r) => ({ ...r, version: 7 })],
    ["nodeName changed", (r) => ({ ...r, nodeName: "other" })],
    ["timestamp changed", (r) => ({ ...r, timestamp: r.timestamp + 1 })],
    ["parentId changed", (r) => ({ ...r, parentId: "p-0" })],
    ["parentId removed", (r) => ({ ...r, parentId: null })],
    ["next changed", (r) => ({ ...r, next: ["y"] })],
    ["metadata step changed", (r) => ({ ...r, metadata: { ...(r.metadata as Record<string, number>), step: 9 } })],
  ];

  it.each(alterations)("refuses a row with its readable %s", async (_field, alter) => {
    const inner = new MapStore();
    const store = withEncryption(inner, { keys, currentKeyId: "k1" });
    const cp = checkpoint("c-2", "c", 2, { ok: 1 }, "c-1");
    await store.save(cp);
    expect(await store.load(cp.id)).toEqual(cp);
    inner.rows.set(cp.id, alter(row(inner, cp.id)));
    await expect(store.load(cp.id)).rejects.toMatchObject({ code: "LG_CHECKPOINT_CORRUPT", checkpointId: cp.id });
  });

  it("refuses an envelope whose kid was switched to another given key", async () => {
    const inner = new MapStore();
    const store = withEncryption(inner, { keys, currentKeyId: "k1" });
    const cp = checkpoint("k-1", "k", 1, { ok: 1 });
    await store.save(cp);
    const stored = row(inner, cp.id);
    const envelope = (stored.state as { $lgenc: Record<string, unknown> }).$lgenc;
    inner.rows.set(cp.id, { ...stored, state: { $lgenc: { ...envelope, kid: "k2" } } as EncodedCheckpoint["state"] });
    await expect(store.load(cp.id)).rejects.toBeInstanceOf(CheckpointCorruptError);
  });
});

describe("withEncryption validates before encrypting", () => {
  const malformed: Array<[string, unknown]> = [
    ["metadata: null", { ...checkpoint("m-1", "m", 1, {}), metadata: null }],
    ["a non-array next", { ...checkpoint("m-1", "m", 1, {}), next: "x" }],
    ["null", null],
    ["a missing timestamp", { ...checkpoint("m-1", "m", 1, {}), timestamp: undefined }],
  ];

  it.each(malformed)("rejects a checkpoint with %s as InvalidArgumentError, like a bare store", async (_what, cp) => {
    const inner = new MapStore();
    const store = withEncryption(inner, { keys, currentKeyId: "k1" });
    await expect(inner.save(cp as Checkpoint)).rejects.toBeInstanceOf(InvalidArgumentError);
    inner.calls.length = 0;
    await expect(store.save(cp as Checkpoint)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(inner.calls).toEqual([]);
  });
});

describe("withEncryption re-saves across a key rotation", () => {
  it("treats a re-save of identical content after a rotation as a no-op", async () => {
    const inner = new MapStore();
    const cp = checkpoint("r-1", "r", 1, { when: new Date(5), tags: new Set(["a"]) });
    await withEncryption(inner, { keys: { k1: keys.k1 }, currentKeyId: "k1" }).save(cp);
    const before = JSON.stringify(row(inner, cp.id));
    const rotated = withEncryption(inner, { keys, currentKeyId: "k2" });
    await expect(rotated.save(cp)).resolves.toBeUndefined();
    const readBack = await rotated.load(cp.id);
    expect(readBack).toEqual(cp);
    await expect(rotated.save(readBack as Checkpoint)).resolves.toBeUndefined();
    expect(JSON.stringify(row(inner, cp.id))).toBe(before); // still sealed with k1, untouched
  });

  it("still reports a conflict after a rotation when the content differs or the version is taken", async () => {
    const inner = new MapStore();
    const cp = checkpoint("r-1", "r", 1, { a: 1 });
    await withEncryption(inner, { keys: { k1: keys.k1 }, currentKeyId: "k1" }).save(cp);
    const rotated = withEncryption(inner, { keys, currentKeyId: "k2" });
    await expect(rotated.save({ ...cp, state: { a: 2 } })).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(rotated.save({ ...cp, metadata: { ...cp.metadata, owner: "x" } })).rejects.toBeInstanceOf(
      CheckpointConflictError,
    );
    await expect(rotated.save({ ...cp, next: [] })).rejects.toBeInstanceOf(CheckpointConflictError);
    await expect(rotated.save(checkpoint("r-1b", "r", 1, { a: 1 }))).rejects.toBeInstanceOf(CheckpointConflictError);
    // Without the key of the stored row the wrapper cannot tell: the conflict stands.
    const withoutOld = withEncryption(inner, { keys: { k2: keys.k2 }, currentKeyId: "k2" });
    await expect(withoutOld.save(cp)).rejects.toBeInstanceOf(CheckpointConflictError);
  });
});

describe("withEncryption and task results", () => {
  it("seals task results (node writes, human answers) inside the envelope and restores them on read", async () => {
    const inner = new MapStore();
    const store = withEncryption(inner, { keys, currentKeyId: "k1" });
    const cp = checkpoint("t-1", "t", 1, { a: 1 });
    cp.tasks = {
      nodes: { pay: { writes: { card: "4111-secret" } }, ask: { resumes: ["yes-secret"] } },
      interrupts: [{ node: "ask", when: "inside", value: "which card?" }],
      updateKeys: ["req-1"],
    };
    await store.save(cp);
    const stored = row(inner, "t-1");
    expect(stored.tasks ?? null).toBeNull();
    expect(JSON.stringify(stored)).not.toContain("secret");
    expect((await store.load("t-1"))?.tasks).toEqual(cp.tasks);
    await expect(store.save(cp)).resolves.toBeUndefined(); // identical re-save stays a no-op
  });
});
