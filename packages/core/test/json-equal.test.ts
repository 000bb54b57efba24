import { type JsonValue } from "../src/index.js";
import { jsonEqual, jsonTextEqual, sameEncodedCheckpoint, encodeCheckpoint } from "../src/store-entry.js";

describe("jsonEqual", () => {
  it("compares object keys as sets, at every depth", () => {
    expect(jsonEqual({ a: 1, b: { c: [1, { d: 2, e: 3 }] } }, { b: { c: [1, { e: 3, d: 2 }] }, a: 1 })).toBe(true);
  });

  it("keeps arrays ordered and tells every kind of value apart", () => {
    const cases: [JsonValue, JsonValue][] = [
      [
        [1, 2],
        [2, 1],
      ],
      [{ a: 1 }, { a: 1, b: 2 }],
      [{ a: 1, b: 2 }, { a: 1 }],
      [{ a: 1 }, { b: 1 }],
      [{}, []],
      [null, {}],
      [0, "0"],
      [true, 1],
      [[{ a: 1 }], [{ a: "1" }]],
    ];
    for (const [a, b] of cases) {
      expect(jsonEqual(a, b)).toBe(false);
      expect(jsonEqual(b, a)).toBe(false);
    }
  });

  it("treats a __proto__ key like any other own key", () => {
    const a = JSON.parse('{"__proto__":{"x":1},"y":2}') as JsonValue;
    const b = JSON.parse('{"y":2,"__proto__":{"x":1}}') as JsonValue;
    const c = JSON.parse('{"y":2,"__proto__":{"x":2}}') as JsonValue;
    expect(jsonEqual(a, b)).toBe(true);
    expect(jsonEqual(a, c)).toBe(false);
    expect(jsonEqual({ y: 2 } as JsonValue, a)).toBe(false);
  });
});

describe("jsonTextEqual", () => {
  it("is true for the same value in other key order or spacing, false for text that does not parse", () => {
    expect(jsonTextEqual('{"a":1,"b":[1,2]}', '{ "b": [1, 2], "a": 1 }')).toBe(true);
    expect(jsonTextEqual('{"a":1,"b":[1,2]}', '{"a":1,"b":[2,1]}')).toBe(false);
    expect(jsonTextEqual("{not json", '{"a":1}')).toBe(false);
    expect(jsonTextEqual("{not json", "{not json")).toBe(true); // the same text is the same stored value
  });
});

describe("sameEncodedCheckpoint", () => {
  const base = {
    id: "id-1",
    executionId: "e",
    nodeName: "n",
    state: { a: 1, b: { c: 2 } },
    metadata: { step: 1 },
    timestamp: new Date(1_700_000_000_000),
    version: 1,
    next: ["x", "y"],
  };

  it("ignores object key order and sees a change in any field", () => {
    const reordered = { ...base, state: { b: { c: 2 }, a: 1 } };
    expect(sameEncodedCheckpoint(encodeCheckpoint(base), encodeCheckpoint(reordered))).toBe(true);
    const changes = [
      { id: "id-2" },
      { nodeName: "m" },
      { state: { a: 1, b: { c: 3 } } },
      { metadata: { step: 2 } },
      { timestamp: new Date(1_700_000_000_001) },
      { version: 2 },
      { parentId: "p" },
      { next: ["y", "x"] },
    ];
    for (const change of changes) {
      expect(sameEncodedCheckpoint(encodeCheckpoint(base), encodeCheckpoint({ ...base, ...change }))).toBe(false);
    }
  });
});
