import { randomBytes } from "node:crypto";
import {
  createCheckpointId,
  withEncryption,
  type Checkpoint,
  type SerializedCheckpoint,
  type StoreCapabilities,
} from "../src/index.js";
import { forwardStore, saveSerializedCheckpoints, serializeCheckpoint } from "../src/store-entry.js";
import { MapStore } from "./support/map-store.js";

/** A MapStore with `saveSerialized`, recording each batch it is handed. */
class SerializedMapStore extends MapStore {
  override readonly capabilities: StoreCapabilities = { taskResults: true, serializedSave: true };
  readonly batches: string[][] = [];

  async saveSerialized(items: readonly SerializedCheckpoint[]): Promise<void> {
    this.batches.push(items.map((item) => item.text));
  }
}

function checkpoint(executionId: string, version: number): Checkpoint {
  return {
    id: createCheckpointId(),
    executionId,
    nodeName: "n",
    state: { secret: "card 1234", when: new Date(version), big: 10n ** 20n, tags: new Set(["a"]) },
    metadata: { source: "loop", step: version },
    timestamp: new Date(1_700_000_000_000 + version),
    version,
    next: [],
  };
}

const asItem = (cp: Checkpoint): SerializedCheckpoint => ({
  id: cp.id,
  version: cp.version,
  text: serializeCheckpoint(cp),
});

describe("saveSerializedCheckpoints", () => {
  it("hands the texts to saveSerialized as they are when the store has it", async () => {
    const store = new SerializedMapStore();
    const items = [checkpoint("e", 1), checkpoint("e", 2)].map(asItem);
    await saveSerializedCheckpoints(store, items);
    expect(store.batches).toEqual([items.map((item) => item.text)]);
    expect(store.rows.size).toBe(0);
  });

  it("decodes the texts for a store without it, and the checkpoints read back whole", async () => {
    const store = new MapStore();
    const batch = [checkpoint("e", 1), checkpoint("e", 2)];
    await saveSerializedCheckpoints(store, batch.map(asItem));
    expect(await store.list("e")).toEqual(batch);
  });

  it("refuses a corrupt text before saving anything through the fallback", async () => {
    const store = new MapStore();
    const good = asItem(checkpoint("e", 1));
    const bad: SerializedCheckpoint = { id: "x", version: 2, text: '{"id":"x","executionId":' };
    await expect(saveSerializedCheckpoints(store, [good, bad])).rejects.toMatchObject({
      code: "LG_CHECKPOINT_CORRUPT",
    });
    expect(await store.list("e")).toEqual([]);
  });

  it("forwardStore keeps saveSerialized without a save override and drops it with one", async () => {
    const inner = new SerializedMapStore();
    const plain = forwardStore(inner, {});
    expect(plain.capabilities).toMatchObject({ serializedSave: true });
    await saveSerializedCheckpoints(plain, [asItem(checkpoint("e", 1))]);
    expect(inner.batches).toHaveLength(1);

    const sealed = withEncryption(inner, { keys: { k: randomBytes(32) }, currentKeyId: "k" });
    expect(sealed.saveSerialized).toBeUndefined();
    expect(sealed.capabilities).toMatchObject({ serializedSave: false });
    const cp = checkpoint("f", 1);
    await saveSerializedCheckpoints(sealed, [asItem(cp)]); // decoded, then encrypted by the wrapper's save
    expect(inner.batches).toHaveLength(1);
    expect(JSON.stringify([...inner.rows.values()])).not.toContain("card 1234");
    expect(await sealed.list("f")).toEqual([cp]);
  });
});
