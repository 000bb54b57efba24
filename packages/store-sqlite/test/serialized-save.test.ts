import { CheckpointConflictError, type SerializedCheckpoint } from "@lg/core";
import { deserializeCheckpoint, serializeCheckpoint } from "@lg/core/store";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { makeCheckpoint, makeTempDir, randomExecutionId, textWithState, type TempDir } from "./helpers.js";

let temp: TempDir;
let file: string;
let store: SqliteCheckpointStore;

beforeEach(() => {
  temp = makeTempDir();
  file = temp.file();
  store = new SqliteCheckpointStore({ path: file });
});

afterEach(async () => {
  await store.close();
  temp.remove();
});

const itemOf = (text: string): SerializedCheckpoint => {
  const cp = deserializeCheckpoint(text);
  return { id: cp.id, version: cp.version, text };
};

/** The state column as stored, read with a connection of the test's own. */
function storedState(id: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT state FROM checkpoints WHERE id = ?").pluck().get(id) as string;
  } finally {
    db.close();
  }
}

describe("saveSerialized", () => {
  it("stores the text's own JSON without a decoded copy: tags as written", async () => {
    const plain = textWithState(makeCheckpoint({ version: 1 }), '{"b":1,"list":[true,null,"x"]}');
    const base = deserializeCheckpoint(plain);
    // Decoded and encoded again, each tag would come first in its object: the text's order shows it was not.
    const tags = '{"b":{"v":"2026-01-02T00:00:00.000Z","$lg":"date"},"s":{"$lg":"set","v":[{"v":"7","$lg":"bigint"}]}}';
    const tagged = textWithState(
      makeCheckpoint({ executionId: base.executionId, version: 2, parentId: base.id }),
      tags,
    );
    await store.saveSerialized([itemOf(plain), itemOf(tagged)]);
    expect(storedState(base.id)).toBe('{"b":1,"list":[true,null,"x"]}');
    expect(storedState(deserializeCheckpoint(tagged).id)).toBe(tags);
    expect(await store.list(base.executionId)).toEqual([plain, tagged].map((text) => deserializeCheckpoint(text)));
  });

  it("decodes a text holding a number JSON cannot write back, and keeps it", async () => {
    const text = textWithState(makeCheckpoint(), '{"zero":-0,"huge":1e400}');
    const cp = deserializeCheckpoint(text);
    await store.saveSerialized([itemOf(text)]);
    const state = (await store.load(cp.id))?.state as { zero: number; huge: number };
    expect([Object.is(state.zero, -0), state.huge]).toEqual([true, Infinity]);
  });

  it("decodes a text with an escape and saves it as saveMany would", async () => {
    const text = textWithState(makeCheckpoint(), '{"b":"caf\\u00e9","2":0}');
    const cp = deserializeCheckpoint(text);
    await store.saveSerialized([itemOf(text)]);
    expect(storedState(cp.id)).toBe('{"2":0,"b":"café"}');
    expect(await store.load(cp.id)).toEqual(cp);
  });

  it("treats a text saved again, or its checkpoint saved by saveMany, as a no-op, and a rival as a conflict", async () => {
    const cp = makeCheckpoint({ state: { when: new Date(3), n: 1n, m: new Map([[1, "a"]]) } });
    const text = serializeCheckpoint(cp);
    await store.saveSerialized([itemOf(text)]);
    await store.saveSerialized([itemOf(text), itemOf(text)]);
    await store.saveMany([cp]);
    await store.save(cp);
    const rival = serializeCheckpoint({ ...cp, nodeName: "rival" });
    await expect(store.saveSerialized([itemOf(rival)])).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await store.list(cp.executionId)).toEqual([cp]);
  });

  it("matches a checkpoint stored as an incremental row", async () => {
    const executionId = randomExecutionId();
    const parent = makeCheckpoint({ executionId, state: { log: [1], turn: 1 } });
    const child = makeCheckpoint({ executionId, version: 2, parentId: parent.id, state: { log: [1, 2], turn: 2 } });
    await store.save(parent);
    await store.save(child, { changes: { parentId: parent.id, whole: ["turn"], appended: { log: 1 } } });
    await store.saveSerialized([parent, child].map((cp) => itemOf(serializeCheckpoint(cp))));
    const rival = serializeCheckpoint({ ...child, state: { log: [1, 3], turn: 2 } });
    await expect(store.saveSerialized([itemOf(rival)])).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await store.list(executionId)).toEqual([parent, child]);
  });

  it("refuses a field the fast path cannot vouch for as decoding does, and accepts what decoding accepts", async () => {
    const cp = makeCheckpoint();
    const encoded = JSON.parse(serializeCheckpoint(cp)) as Record<string, unknown>;
    // `1.0` is the version 1 to decoding (SQLite reads a real, which JavaScript gets as the number 1).
    const text = JSON.stringify({ ...encoded, parentId: null }).replace('"version":1', '"version":1.0');
    await store.saveSerialized([itemOf(text)]);
    expect(await store.load(cp.id)).toEqual(cp);
    // A lone surrogate written as it is (not escaped): SQLite would store U+FFFD in its place.
    const lone = serializeCheckpoint({ ...cp, id: `${cp.id}-x`, version: 2 }).replace('"node"', '"a\ud800"');
    const loneItem = { id: `${cp.id}-x`, version: 2, text: lone };
    await expect(store.saveSerialized([loneItem])).rejects.toMatchObject({ code: "LG_INVALID_ARGUMENT" });
    expect(await store.list(cp.executionId)).toEqual([cp]);
  });
});
