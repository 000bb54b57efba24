import type { CheckpointMetadata } from "@lg/core";
import { serializeCheckpoint } from "@lg/core/store";
import { canonicalTextToParams } from "../src/canonical-text.js";
import { parsedTextToParams } from "../src/serialized-save.js";
import { makeCheckpoint, textWithState } from "./helpers.js";

/** A seeded generator (mulberry32): the same cases on every run, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Characters a string may hold: the escapes JSON.stringify writes, other control characters, non-ASCII, a surrogate
// pair, U+2028 (written as it is), and the characters of the layout itself.
const CHARS = [
  "a",
  "z",
  " ",
  '"',
  "\\",
  "/",
  "\n",
  "\t",
  "\b",
  "\u0001",
  "\u001f",
  "\u007f",
  "é",
  "😀",
  "\u2028",
  "{",
  ":",
  ",",
];
// Keys: ordinary ones, ones starting with a digit (index-like or not), the tag, `__proto__` and `v`.
const KEYS = ["a", "b", "name", "v", "$lg", "__proto__", "0", "1", "01", "1a", "-1", "x y", 'q"', "é"];
const NUMBERS = [0, 1, -1, 42, 1.5, -0.25, 1e21, 1e-7, 123456789012345, 2 ** 53, 0.1 + 0.2, -0, NaN, Infinity];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomString(random: () => number): string {
  const length = Math.floor(random() * 6);
  return Array.from({ length }, () => pick(random, CHARS)).join("");
}

/** A storable value of every kind the serializer keeps, nested up to `depth`. */
function randomValue(random: () => number, depth: number): unknown {
  const kind = Math.floor(random() * (depth > 0 ? 14 : 9));
  switch (kind) {
    case 0:
      return pick(random, NUMBERS);
    case 1:
      return randomString(random);
    case 2:
      return random() < 0.5;
    case 3:
      return null;
    case 4:
      return new Date(Math.floor(random() * 4e12));
    case 5:
      return BigInt(Math.floor(random() * 1e6)) * (random() < 0.5 ? -1n : 1n);
    case 6:
      return new Uint8Array([1, 2, Math.floor(random() * 256)]);
    case 7:
      return undefined;
    case 8:
      return Buffer.from(randomString(random));
    case 9:
    case 10: {
      const object: Record<string, unknown> = {};
      const size = Math.floor(random() * 4);
      for (let i = 0; i < size; i++) {
        Object.defineProperty(object, pick(random, KEYS), {
          value: randomValue(random, depth - 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
    case 11:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth - 1));
    case 12:
      return new Set([randomValue(random, depth - 1), randomValue(random, depth - 1)]);
    default:
      return new Map([[randomString(random), randomValue(random, depth - 1)]]);
  }
}

/** The text of a checkpoint with a random state and metadata, as `serializeCheckpoint` writes it. */
function randomText(random: () => number): string {
  const state = randomValue(random, 4);
  const metadata = randomValue(random, 3);
  return serializeCheckpoint(
    makeCheckpoint({
      state,
      metadata: (metadata !== null && typeof metadata === "object" && !Array.isArray(metadata)
        ? metadata
        : { metadata }) as CheckpointMetadata,
      nodeName: randomString(random),
      ...(random() < 0.5 ? { parentId: `p${randomString(random)}` } : {}),
      next: [randomString(random)],
      ...(random() < 0.2 ? { tasks: { nodes: { a: { writes: { w: randomValue(random, 2) } } }, interrupts: [] } } : {}),
    }),
  );
}

/** Texts that differ from `text` in one way JSON allows and JSON.stringify never writes, or in one broken character. */
function variants(text: string, random: () => number): string[] {
  const at = (pattern: RegExp): number[] => [...text.matchAll(pattern)].map((match) => match.index ?? 0);
  const somewhere = (places: number[], change: (index: number) => string): string[] =>
    places.length === 0 ? [] : [change(pick(random, places))];
  return [
    ...somewhere(at(/[:,]/g), (i) => `${text.slice(0, i + 1)} ${text.slice(i + 1)}`),
    ...somewhere(at(/[a-z]/g), (i) => `${text.slice(0, i)}\\u00${text.charCodeAt(i).toString(16)}${text.slice(i + 1)}`),
    ...somewhere(at(/\//g), (i) => `${text.slice(0, i)}\\/${text.slice(i + 1)}`),
    ...somewhere(at(/\d[,}\]]/g), (i) => `${text.slice(0, i + 1)}.0${text.slice(i + 1)}`),
    ...somewhere(at(/\d[,}\]]/g), (i) => `${text.slice(0, i + 1)}e0${text.slice(i + 1)}`),
    ...somewhere(at(/[{,]"[^"]+":/g), (i) => `${text.slice(0, i + 1)}"a":1,"a":2,${text.slice(i + 1)}`),
    ...somewhere(at(/\\n/g), (i) => `${text.slice(0, i)}\\u000a${text.slice(i + 2)}`),
    ...somewhere(at(/\\n/g), (i) => `${text.slice(0, i)}\n${text.slice(i + 2)}`),
    ...somewhere(
      at(/\\u00[01][0-9a-f]/g),
      (i) => text.slice(0, i) + text.slice(i, i + 6).toUpperCase() + text.slice(i + 6),
    ),
    `${text.slice(0, Math.floor(random() * text.length))}`,
    text.replace('"state":', '"state": '),
    text.replace(/"tasks":null\}$/, '"tasks":null,"extra":1}'),
  ];
}

/** A written checkpoint's text with `state` (a JSON text) as its state. */
const withState = (state: string): string => textWithState(makeCheckpoint(), state);

/** Asserts that the text with `state` is left to parsing. */
function refused(state: string): void {
  expect({ state, params: canonicalTextToParams(withState(state)) }).toEqual({ state, params: undefined });
}

describe("canonicalTextToParams", () => {
  it("cuts the columns of every text serializeCheckpoint writes exactly as parsing and writing back gives them", () => {
    const random = prng(20261207);
    let cut = 0;
    for (let i = 0; i < 3000; i++) {
      const text = randomText(random);
      const canonical = canonicalTextToParams(text);
      const parsed = parsedTextToParams(text);
      // Left to parsing: a key starting with a digit (an index-like key, which JSON.parse moves first, or one like
      // it). Nothing else a written text holds is.
      const leftToParsing = /[{,]"\d/.test(text);
      if (canonical !== undefined || !leftToParsing) expect({ text, canonical }).toEqual({ text, canonical: parsed });
      if (canonical !== undefined) cut++;
    }
    expect(cut).toBeGreaterThan(1500);
  });

  it("leaves every other layout to parsing, or cuts what parsing gives", () => {
    const random = prng(7);
    let leftToParsing = 0;
    for (let i = 0; i < 1500; i++) {
      for (const text of variants(randomText(random), random)) {
        const canonical = canonicalTextToParams(text);
        if (canonical === undefined) leftToParsing++;
        else expect({ text, canonical }).toEqual({ text, canonical: parsedTextToParams(text) });
      }
    }
    expect(leftToParsing).toBeGreaterThan(10_000);
  });

  it("says undefined for each form JSON.stringify does not write", () => {
    expect(canonicalTextToParams(withState('{"s":"y"}'))?.[3]).toBe('{"s":"y"}');
    for (const state of [
      '{ "s":"x"}', // whitespace
      '{"s":"\\/"}', // an escape JSON.stringify does not write
      '{"s":"\\u0041"}',
      '{"s":"\\u000A"}', // upper-case hex
      '{"s":"\\u000a"}', // \n written long
      '{"s":"\u0001"}', // a raw control character
      '{"s":-0}',
      '{"s":1.0}',
      '{"s":1E3}',
      '{"s":1e400}',
      '{"s":01}',
      '{"s":1,"s":2}', // a key twice
      '{"b":1,"2":0}', // an index-like key, which JSON.parse moves first
      '{"$lg":"nope"}', // a tag that does not decode
      '{"$lg":"date","v":{"toString":1}}', // a date or a number whose conversion throws
      '{"$lg":"num","v":{"toString":1}}',
      '{"$lg":"set","v":1}',
      "[1,]",
      "tru",
    ]) {
      refused(state);
    }
  });

  it("cuts escaped objects, maps and wide objects, and leaves deep nesting and what does not decode to parsing", () => {
    const same = (state: string): void => {
      const text = withState(state);
      expect({ state, params: canonicalTextToParams(text) }).toEqual({ state, params: parsedTextToParams(text) });
      expect(canonicalTextToParams(text)?.[3]).toBe(state);
    };
    // An object of the state's own with a "$lg" key, as the serializer escapes it; its body's keys are plain.
    same(
      serializeCheckpoint(makeCheckpoint({ state: { $lg: "x", v: 1 } })).match(/"state":(.*),"metadata"/)?.[1] ?? "",
    );
    same('{"$lg":"esc","v":{"$lg":"nope","v":{"$lg":"date","v":"2026-01-01T00:00:00.000Z"}}}');
    refused('{"$lg":"esc","v":[1]}'); // an escaped object's body is an object
    refused('{"$lg":"esc","v":{"a":{"$lg":"nope"}}}'); // what the body holds is decoded
    same('{"$lg":"map","v":[[1,{"$lg":"map","v":[["k",{"$lg":"set","v":[]}]]}],["b",null]]}');
    refused('{"$lg":"map","v":[[1,2],[3]]}'); // an entry that is not a pair
    refused('{"$lg":"map","v":[[1,2],4]}');
    refused('{"$lg":"bigint","v":"1.5"}');
    same('{"$lg":"bigint","v":"-12"}');
    const wide = Array.from({ length: 200 }, (_, i) => `"k${i}":${i}`).join(",");
    same(`{${wide}}`);
    refused(`{${wide},"k7":0}`); // a key twice, past the keys compared in an array
    const deep = (levels: number): string => `${"[".repeat(levels)}${"]".repeat(levels)}`;
    same(deep(500));
    refused(deep(513)); // deeper than 512: parsing decides
  });

  it("checks the fields as parsing does", () => {
    const cp = makeCheckpoint();
    const text = serializeCheckpoint(cp);
    expect(canonicalTextToParams(text)).toEqual(parsedTextToParams(text));
    for (const broken of [
      text.replace(`"id":"${cp.id}"`, '"id":""'),
      text.replace(`"version":1`, '"version":0'),
      text.replace(/"timestamp":\d+/, '"timestamp":9000000000000000'),
      text.replace('"parentId":null', '"parentId":""'),
      text.replace('"parentId":null', '"parentId":7'),
      text.replace('"next":["b"]', '"next":[1]'),
      text.replace('"tasks":null', '"tasks":{"nodes":[],"interrupts":[]}'),
      text.replace(/"metadata":\{[^}]*\}/, '"metadata":[]'),
    ]) {
      expect({ broken, params: canonicalTextToParams(broken) }).toEqual({ broken, params: undefined });
      expect(parsedTextToParams(broken)).toBeUndefined();
    }
  });
});
