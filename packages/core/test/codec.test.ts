import { CheckpointCorruptError, createCheckpointId, InvalidArgumentError, type Checkpoint } from "../src/index.js";
import { decodeCheckpoint, deserializeCheckpoint, encodeCheckpoint, serializeCheckpoint } from "../src/store-entry.js";

function checkpoint(overrides: Partial<Checkpoint> = {}): Checkpoint {
  return {
    id: createCheckpointId(),
    executionId: "exec",
    nodeName: "node",
    state: { at: new Date(5), items: new Set([1]) },
    metadata: { source: "loop", step: 1 },
    timestamp: new Date("2026-03-04T05:06:07.089Z"),
    version: 1,
    parentId: "parent",
    next: ["b"],
    ...overrides,
  };
}

describe("checkpoint codec", () => {
  it("round-trips every field", () => {
    const cp = checkpoint();
    expect(deserializeCheckpoint(serializeCheckpoint(cp))).toEqual(cp);
    const root = checkpoint({ parentId: undefined });
    delete root.parentId;
    expect(decodeCheckpoint(encodeCheckpoint(root))).toEqual(root);
  });

  it.each([
    ["id", { id: "" }, /checkpoint\.id must be a non-empty string/],
    ["executionId", { executionId: 7 as unknown as string }, /checkpoint\.executionId/],
    ["version", { version: 0 }, /checkpoint\.version must be a positive integer/],
    ["version", { version: 1.5 }, /checkpoint\.version/],
    ["timestamp", { timestamp: new Date(Number.NaN) }, /checkpoint\.timestamp must be a valid Date/],
    ["next", { next: [1] as unknown as string[] }, /checkpoint\.next/],
    ["id with a lone surrogate", { id: "a\ud800b" }, /checkpoint\.id contains a lone UTF-16 surrogate/],
    ["executionId with a lone surrogate", { executionId: "\udc00" }, /checkpoint\.executionId contains a lone/],
    ["nodeName with a lone surrogate", { nodeName: "n\ud800" }, /checkpoint\.nodeName contains a lone/],
    ["next with a lone surrogate", { next: ["ok", "\udc00x"] }, /checkpoint\.next contains a lone/],
    ["metadata", { metadata: [] as unknown as Record<string, unknown> }, /checkpoint\.metadata/],
  ])("rejects a malformed %s", (_field, overrides, message) => {
    expect(() => encodeCheckpoint(checkpoint(overrides as Partial<Checkpoint>))).toThrow(InvalidArgumentError);
    expect(() => encodeCheckpoint(checkpoint(overrides as Partial<Checkpoint>))).toThrow(message);
  });

  it("names the checkpoint in corruption errors", () => {
    expect(() => deserializeCheckpoint("{oops", "cp-1")).toThrow(
      expect.objectContaining({ code: "LG_CHECKPOINT_CORRUPT", checkpointId: "cp-1" }),
    );
    const enc = encodeCheckpoint(checkpoint({ id: "cp-2" }));
    expect(() => decodeCheckpoint({ ...enc, state: { $lg: "bigint" } })).toThrow(/checkpoint "cp-2" is corrupt/);
    expect(() => deserializeCheckpoint("[1,2]", "cp-3")).toThrow(CheckpointCorruptError);
  });

  it.each([
    ["version 0", { version: 0 }, /version is not a positive integer/],
    ["a negative version", { version: -3 }, /version is not a positive integer/],
    ["a version given as a string", { version: "2" }, /version is not a positive integer/],
    ["metadata that is an array", { metadata: [1] }, /metadata is not an object/],
  ])("refuses %s read back from a store instead of handing it out", (_title, patch, detail) => {
    const enc = encodeCheckpoint(checkpoint({ id: "cp-4" }));
    const damaged = { ...enc, ...patch } as unknown as typeof enc;
    expect(() => decodeCheckpoint(damaged)).toThrow(CheckpointCorruptError);
    expect(() => decodeCheckpoint(damaged)).toThrow(detail);
    expect(() => deserializeCheckpoint(JSON.stringify(damaged), "cp-4")).toThrow(/checkpoint "cp-4" is corrupt/);
  });
});
