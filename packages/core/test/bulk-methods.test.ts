import { randomBytes } from "node:crypto";
import {
  createCheckpointId,
  withEncryption,
  withMetrics,
  type Checkpoint,
  type ListOptions,
  type SerializedCheckpoint,
  type StoreCapabilities,
} from "../src/index.js";
import { deserializeCheckpoint, forwardStore, saveCheckpoints, serializeCheckpoint } from "../src/store-entry.js";
import { MapStore } from "./support/map-store.js";

/** A MapStore with the optional bulk methods, counting their calls. */
class BulkMapStore extends MapStore {
  override readonly capabilities: StoreCapabilities = { taskResults: true, batchSave: true, serializedList: true };
  saveManyCalls = 0;
  listSerializedCalls = 0;

  async saveMany(checkpoints: readonly Checkpoint[]): Promise<void> {
    this.saveManyCalls++;
    for (const checkpoint of checkpoints) await this.save(checkpoint);
  }

  async listSerialized(executionId: string, options?: ListOptions): Promise<SerializedCheckpoint[]> {
    this.listSerializedCalls++;
    return (await this.list(executionId, options)).map((cp) => ({
      id: cp.id,
      version: cp.version,
      text: serializeCheckpoint(cp),
    }));
  }
}

function chain(executionId: string, count: number): Checkpoint[] {
  return Array.from({ length: count }, (_, i) => ({
    id: createCheckpointId(),
    executionId,
    nodeName: "n",
    state: { secret: `card ${i}`, when: new Date(i) },
    metadata: { source: "loop", step: i + 1 },
    timestamp: new Date(1_700_000_000_000 + i),
    version: i + 1,
    next: [],
  }));
}

describe("optional bulk methods through wrappers", () => {
  it("forwardStore without overrides keeps saveMany and listSerialized, and saveCheckpoints uses saveMany", async () => {
    const inner = new BulkMapStore();
    const store = forwardStore(inner, {});
    expect(store.capabilities).toMatchObject({ batchSave: true, serializedList: true });
    const batch = chain("e", 3);
    await saveCheckpoints(store, batch);
    expect(inner.saveManyCalls).toBe(1);
    const texts = (await store.listSerialized?.("e")) ?? [];
    expect(texts.map((s) => deserializeCheckpoint(s.text))).toEqual(batch);
    expect(inner.listSerializedCalls).toBe(1);
  });

  it("a wrapper that overrides save and list (encryption) drops both, so batches cannot bypass it", async () => {
    const inner = new BulkMapStore();
    const store = withEncryption(inner, { keys: { k: randomBytes(32) }, currentKeyId: "k" });
    expect([typeof store.saveMany, typeof store.listSerialized]).toEqual(["undefined", "undefined"]);
    expect(store.capabilities).toMatchObject({ batchSave: false, serializedList: false });
    expect(inner.capabilities).toMatchObject({ batchSave: true, serializedList: true });
    const batch = chain("e", 2);
    await saveCheckpoints(store, batch); // falls back to the wrapper's save, which encrypts
    expect(inner.saveManyCalls).toBe(0);
    expect(JSON.stringify([...inner.rows.values()])).not.toContain("card");
    expect(await store.list("e")).toEqual(batch);
  });

  it("withMetrics keeps both and times them", async () => {
    const inner = new BulkMapStore();
    const store = withMetrics(inner);
    await saveCheckpoints(store, chain("e", 2));
    await store.listSerialized?.("e");
    expect(inner.saveManyCalls).toBe(1);
    const operations = store.metrics().operations;
    expect([operations.saveMany?.count, operations.listSerialized?.count]).toEqual([1, 1]);
    expect(store.capabilities).toMatchObject({ batchSave: true, serializedList: true });
  });
});
