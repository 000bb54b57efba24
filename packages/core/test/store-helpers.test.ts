import { createCheckpointId, InvalidArgumentError, redactSecrets, StoreUnavailableError } from "../src/index.js";
import {
  applyListOptions,
  pruneCheckpoints,
  quoteSqlIdentifier,
  selectPruneVictims,
  validateListOptions,
} from "../src/store-entry.js";
import { MapStore } from "./support/map-store.js";

const rows = [1, 2, 3, 5, 8].map((version) => ({ id: `v${version}`, version, timestamp: version * 1000 }));

describe("applyListOptions", () => {
  it.each([
    [{}, [1, 2, 3, 5, 8]],
    [{ order: "desc" as const }, [8, 5, 3, 2, 1]],
    [{ limit: 2 }, [1, 2]],
    [{ limit: 2, order: "desc" as const }, [8, 5]],
    [{ afterVersion: 2 }, [3, 5, 8]],
    [{ beforeVersion: 5 }, [1, 2, 3]],
    [{ afterVersion: 1, beforeVersion: 8, order: "desc" as const, limit: 2 }, [5, 3]],
    [{ afterVersion: 8 }, []],
    [{ afterVersion: 5, beforeVersion: 3 }, []],
  ])("%j → %j", (options, versions) => {
    expect(applyListOptions(rows, options).map((r) => r.version)).toEqual(versions);
  });
});

describe("selectPruneVictims", () => {
  it("keeps the newest keepLast", () => {
    expect(selectPruneVictims(rows, { keepLast: 2 })).toEqual(["v1", "v2", "v3"]);
  });
  it("deletes only older than olderThan, never the newest", () => {
    expect(selectPruneVictims(rows, { olderThan: new Date(3500) })).toEqual(["v1", "v2", "v3"]);
    expect(selectPruneVictims(rows, { olderThan: new Date(99_000) })).toEqual(["v1", "v2", "v3", "v5"]);
  });
  it("combines rules (both must allow) and honours protect", () => {
    expect(selectPruneVictims(rows, { keepLast: 2, olderThan: new Date(2500) })).toEqual(["v1", "v2"]);
    expect(selectPruneVictims(rows, { keepLast: 1, protect: ["v2"] })).toEqual(["v1", "v3", "v5"]);
  });
  it("rejects empty or bad options", () => {
    expect(() => selectPruneVictims(rows, {})).toThrow(InvalidArgumentError);
    expect(() => selectPruneVictims(rows, { keepLast: 0 })).toThrow(/keepLast must be a positive integer/);
    expect(() => selectPruneVictims(rows, { olderThan: new Date("x") })).toThrow(/olderThan/);
  });
});

describe("pruneCheckpoints", () => {
  it("falls back to list + delete for a store without native prune", async () => {
    const store = new MapStore();
    for (let version = 1; version <= 5; version++) {
      await store.save({
        id: createCheckpointId(),
        executionId: "p",
        nodeName: "n",
        state: {},
        metadata: {},
        timestamp: new Date(),
        version,
        next: [],
      });
    }
    const withoutPrune = Object.assign(Object.create(store) as MapStore, { prune: undefined });
    expect(await pruneCheckpoints(withoutPrune, "p", { keepLast: 2 })).toBe(3);
    expect((await store.list("p")).map((c) => c.version)).toEqual([4, 5]);
  });
});

describe("validation helpers", () => {
  it("validates list options", () => {
    expect(() => validateListOptions({ limit: -1 })).toThrow(/limit must be a positive integer/);
    expect(() => validateListOptions({ order: "up" as "asc" })).toThrow(/order must be "asc" or "desc"/);
  });
  it("quotes plain SQL identifiers and rejects anything else", () => {
    expect(quoteSqlIdentifier("tableName", "my_checkpoints")).toBe('"my_checkpoints"');
    expect(() => quoteSqlIdentifier("tableName", "x; DROP TABLE y")).toThrow(/tableName must match/);
    expect(() => quoteSqlIdentifier("tableName", "a".repeat(64))).toThrow(InvalidArgumentError);
  });
  it("redacts passwords from connection strings and key=value pairs", () => {
    expect(redactSecrets("postgres://bob:s3cret@db:5432/x failed")).toBe("postgres://bob:***@db:5432/x failed");
    expect(redactSecrets("host=db password=s3cret user=bob")).toBe("host=db password=*** user=bob");
    expect(new StoreUnavailableError("redis://:pw@h:6379 down").message).not.toContain("pw@");
  });
});

describe("options that are not objects", () => {
  it("are rejected with InvalidArgumentError, not a TypeError", () => {
    expect(() => validateListOptions(null as unknown as undefined)).toThrow(InvalidArgumentError);
    expect(() => selectPruneVictims(rows, null as never)).toThrow(/prune options must be an object/);
  });
});
