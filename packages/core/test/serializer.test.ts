import { runInNewContext } from "node:vm";
import {
  CheckpointCorruptError,
  decodeValue,
  deserialize,
  encodeValue,
  SerializationError,
  serialize,
} from "../src/index.js";
import { TAG } from "../src/store-entry.js";

describe("serializer", () => {
  it("round-trips JSON values and every special value losslessly", () => {
    const value = {
      text: 'héllo \u0000 "q"',
      n: 1.5,
      neg0: -0,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      minf: Number.NEGATIVE_INFINITY,
      big: 2n ** 80n,
      date: new Date("2026-01-02T03:04:05.678Z"),
      bad: new Date(Number.NaN),
      map: new Map<unknown, unknown>([
        ["a", 1],
        [2, new Set([1n])],
      ]),
      set: new Set(["x", new Date(0)]),
      bytes: new Uint8Array([0, 1, 254, 255]),
      undef: undefined,
      nested: [[1, [2, [undefined, null]]]],
      [TAG]: "looks like a tag",
    };
    const back = deserialize(serialize(value)) as typeof value;
    const { bad: badBack, ...restBack } = back;
    const { bad: _bad, ...restValue } = value;
    expect(restBack).toEqual(restValue); // Invalid Dates never compare equal, so that one is checked below
    expect(badBack).toBeInstanceOf(Date);
    expect(Object.is(back.neg0, -0)).toBe(true);
    expect(Number.isNaN(back.nan)).toBe(true);
    expect("undef" in back).toBe(true);
    expect(back.big).toBe(2n ** 80n);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(back.map.get(2)).toEqual(new Set([1n]));
    expect(Number.isNaN(badBack.getTime())).toBe(true);
    expect(back[TAG]).toBe("looks like a tag");
  });

  it("keeps plain data as plain JSON, so databases can query it", () => {
    const plain = { user: { name: "Ada", tags: ["x"] }, count: 3, ok: true, none: null };
    expect(encodeValue(plain)).toEqual(plain);
  });

  it("rejects functions and symbols naming the path", () => {
    expect(() => encodeValue({ user: { callback: () => 1 } }, "state")).toThrow(
      expect.objectContaining({ code: "LG_SERIALIZATION", path: "state.user.callback" }),
    );
    expect(() => encodeValue({ list: [1, Symbol("s")] }, "state")).toThrow(/state\.list\[1\]/);
    expect(() => encodeValue({ "a b": { f() {} } }, "state")).toThrow(/state\["a b"\]\.f/);
  });

  it("rejects cycles but accepts shared references", () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = { back: loop };
    expect(() => encodeValue(loop, "state")).toThrow(SerializationError);
    expect(() => encodeValue(loop, "state")).toThrow(/state\.self\.back: circular reference \(to state\)/);
    const shared = { x: 1 };
    expect(decodeValue(encodeValue({ a: shared, b: shared }))).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  it("rejects class instances no registered type applies to, also those with toJSON, saying to register them", () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    class Stamp {
      toJSON(): string {
        return "stamp";
      }
    }
    expect(() => encodeValue({ price: new Money(5) }, "state")).toThrow(/state\.price: instances of Money/);
    // toJSON would store "stamp" and load a string where a Stamp was: refused rather than silently another type.
    expect(() => encodeValue({ list: [new Stamp()] }, "state")).toThrow(
      expect.objectContaining({
        code: "LG_SERIALIZATION",
        path: "state.list[0]",
        message: expect.stringMatching(/instances of Stamp would be stored through toJSON.*registerType/),
      }),
    );
    expect(() => encodeValue(new URL("https://example.com/"), "state")).toThrow(/instances of URL.*registerType/);
  });

  it("keeps a Buffer a Buffer and a Uint8Array a Uint8Array", () => {
    const value = {
      buf: Buffer.from("héllo"),
      bytes: new Uint8Array([1, 2]),
      view: Buffer.from("abcdef").subarray(2, 4),
    };
    const back = deserialize(serialize(value)) as typeof value;
    expect(Buffer.isBuffer(back.buf)).toBe(true);
    expect(back.buf.toString()).toBe("héllo");
    expect(Buffer.isBuffer(back.bytes)).toBe(false);
    expect(back.bytes).toEqual(new Uint8Array([1, 2]));
    expect(Buffer.isBuffer(back.view)).toBe(true);
    expect(back.view.toString()).toBe("cd");
    expect(encodeValue(value.buf)).toEqual({ [TAG]: "buffer", v: value.buf.toString("base64") });
    expect(() => decodeValue({ [TAG]: "buffer", v: 1 })).toThrow(/a buffer tag without base64 data/);
  });

  it("returns fresh objects on decode", () => {
    const json = encodeValue({ a: { b: [1] } });
    const one = decodeValue(json) as { a: { b: number[] } };
    one.a.b.push(2);
    expect(decodeValue(json)).toEqual({ a: { b: [1] } });
  });

  it("turns malformed text and tags into CheckpointCorruptError", () => {
    expect(() => deserialize("{not json")).toThrow(CheckpointCorruptError);
    expect(() => decodeValue({ [TAG]: "nope" })).toThrow(/unknown value tag "nope"/);
    expect(() => decodeValue({ [TAG]: "bigint", v: 3 })).toThrow(CheckpointCorruptError);
    expect(() => decodeValue({ [TAG]: "map", v: [[1]] })).toThrow(CheckpointCorruptError);
  });
});

describe("serializer across realms", () => {
  it("accepts Date, Map, Set, Uint8Array and plain objects made in another realm", () => {
    const foreign = runInNewContext(
      "({ when: new Date(5), map: new Map([[1, 2]]), set: new Set([3]), bytes: new Uint8Array([9]), plain: { a: 1 } })",
    ) as Record<string, unknown>;
    expect(decodeValue(encodeValue(foreign))).toEqual({
      when: new Date(5),
      map: new Map([[1, 2]]),
      set: new Set([3]),
      bytes: new Uint8Array([9]),
      plain: { a: 1 },
    });
  });
});

describe("awkward keys", () => {
  it("keeps an own __proto__ key as data and never as a prototype", () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const back = deserialize(serialize(value)) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect((back as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(back)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  it("decodes tag-free text without a walk and tagged text with one", () => {
    expect(deserialize('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
    expect(deserialize(serialize({ d: new Date(1) }))).toEqual({ d: new Date(1) });
    expect(deserialize('{"\\u0024lg":"undef"}')).toBeUndefined();
  });
});
