import { randomBytes } from "node:crypto";
import {
  AccessDeniedError,
  CheckpointCorruptError,
  createCheckpointId,
  withAccessControl,
  withEncryption,
  type AccessOperation,
  type Checkpoint,
} from "../src/index.js";
import { pipeline } from "./support/graphs.js";
import { MapStore } from "./support/map-store.js";

function checkpoint(executionId: string, version: number, state: unknown): Checkpoint {
  return {
    id: createCheckpointId(),
    executionId,
    nodeName: "n",
    state,
    metadata: { source: "loop", step: version, secretNote: "the launch code is 1234" },
    timestamp: new Date(),
    version,
    next: ["x"],
  };
}

describe("withEncryption", () => {
  const keys = { k1: randomBytes(32), k2: randomBytes(32) };

  it("stores ciphertext only, and reads back the original", async () => {
    const inner = new MapStore();
    const store = withEncryption(inner, { keys, currentKeyId: "k1" });
    const cp = checkpoint("e", 1, { card: "4111 1111 1111 1111", when: new Date(7), tags: new Set(["vip"]) });
    await store.save(cp);
    const raw = JSON.stringify(inner.rows.get(cp.id));
    expect(raw).not.toContain("4111");
    expect(raw).not.toContain("launch code");
    expect(raw).toContain('"step":1'); // source, step and execution_id stay readable
    expect(await store.load(cp.id)).toEqual(cp);
    expect(await store.latest("e")).toEqual(cp);
    expect(await store.list("e")).toEqual([cp]);
  });

  it("keeps idempotent re-saves idempotent and conflicts as conflicts", async () => {
    const store = withEncryption(new MapStore(), { keys, currentKeyId: "k1" });
    const cp = checkpoint("e", 1, { a: 1 });
    await store.save(cp);
    await expect(store.save(cp)).resolves.toBeUndefined();
    await expect(store.save({ ...cp, state: { a: 2 } })).rejects.toMatchObject({ code: "LG_CHECKPOINT_CONFLICT" });
  });

  it("reads old checkpoints after a key rotation; a missing or wrong key is a CheckpointCorruptError", async () => {
    const inner = new MapStore();
    const old = checkpoint("e", 1, { v: "old" });
    await withEncryption(inner, { keys: { k1: keys.k1 }, currentKeyId: "k1" }).save(old);
    const rotated = withEncryption(inner, { keys, currentKeyId: "k2" });
    const fresh = checkpoint("e", 2, { v: "new" });
    await rotated.save(fresh);
    expect((await rotated.list("e")).map((c) => c.state)).toEqual([{ v: "old" }, { v: "new" }]);
    const withoutOld = withEncryption(inner, { keys: { k2: keys.k2 }, currentKeyId: "k2" });
    await expect(withoutOld.load(old.id)).rejects.toThrow(/encrypted with key "k1", which was not given/);
    const wrong = withEncryption(inner, { keys: { k1: randomBytes(32) }, currentKeyId: "k1" });
    await expect(wrong.load(old.id)).rejects.toBeInstanceOf(CheckpointCorruptError);
  });

  it("rejects bad keys up front", () => {
    expect(() => withEncryption(new MapStore(), { keys: { a: randomBytes(16) }, currentKeyId: "a" })).toThrow(
      /32 bytes/,
    );
    expect(() => withEncryption(new MapStore(), { keys, currentKeyId: "zz" })).toThrow(/not one of the given keys/);
  });

  it("runs a whole graph through the wrapper", async () => {
    const inner = new MapStore();
    const app = pipeline({ checkpoint: { store: withEncryption(inner, { keys, currentKeyId: "k1" }) } });
    const result = await app.invoke({}, { executionId: "enc" });
    expect(result.state.count).toBe(3);
    expect(JSON.stringify([...inner.rows.values()])).not.toContain('"steps"');
    expect((await app.getStateHistory("enc")).map((s) => s.values.count)).toEqual([3, 2, 1, 0]);
  });
});

describe("withAccessControl", () => {
  const acl = (allowed: Record<string, AccessOperation[]>) => (op: AccessOperation, executionId: string) =>
    (allowed[executionId] ?? []).includes(op);

  it("checks writes, reads and deletes per execution", async () => {
    const inner = new MapStore();
    const mine = checkpoint("mine", 1, {});
    const theirs = checkpoint("theirs", 1, {});
    await inner.save(theirs);
    const store = withAccessControl(inner, acl({ mine: ["read", "write"] }));
    await store.save(mine);
    await expect(store.save(checkpoint("theirs", 2, {}))).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(store.list("theirs")).rejects.toThrow('access denied: read on execution "theirs"');
    expect(await store.load(theirs.id)).toBeUndefined(); // indistinguishable from missing
    expect((await store.load(mine.id))?.id).toBe(mine.id);
    await expect(store.delete(mine.id)).rejects.toMatchObject({ code: "LG_ACCESS_DENIED" });
    await expect(store.clear("theirs")).rejects.toBeInstanceOf(AccessDeniedError);
    expect(inner.rows.size).toBe(2);
  });
});

describe("withEncryption against tampering", () => {
  it("refuses a checkpoint whose envelope was replaced by plain state", async () => {
    const inner = new MapStore();
    const store = withEncryption(inner, { keys: { k: randomBytes(32) }, currentKeyId: "k" });
    const cp = checkpoint("t", 1, { secret: 1 });
    await store.save(cp);
    const row = inner.rows.get(cp.id);
    if (row === undefined) throw new Error("not stored");
    inner.rows.set(cp.id, { ...row, state: { secret: 2 } });
    await expect(store.load(cp.id)).rejects.toThrow(/is not encrypted/);
  });
});
