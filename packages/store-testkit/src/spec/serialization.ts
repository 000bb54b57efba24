import type { CheckpointStore } from "@lg/core";
import { createTestCheckpoint, filler, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { expectEqual, expectTrue, nth } from "./expect.js";
import type { SpecOptions } from "./options.js";

function nestedArrays(depth: number): unknown[] {
  let value: unknown[] = ["bottom", 1, null];
  for (let i = 0; i < depth; i++) value = [i, value, [i, [i]]];
  return value;
}

/** Values the contract says round-trip losslessly, one check each. */
const CASES: { title: string; state: () => unknown }[] = [
  {
    title: "Date values (epoch, before 1970, millisecond precision, year 9999)",
    state: () => ({
      epoch: new Date(0),
      before1970: new Date(-86_400_000 * 365),
      precise: new Date(Date.UTC(2024, 1, 29, 13, 14, 15, 999)),
      far: new Date(Date.UTC(9999, 11, 31)),
      list: [new Date(1), new Date(2)],
    }),
  },
  {
    title: "Map with string, number and object keys, nested, in insertion order",
    state: () => ({
      map: new Map<unknown, unknown>([
        ["z", 1],
        ["a", { deep: new Map([["x", [1, 2]]]) }],
        [42, "number key"],
        [{ compound: true }, "object key"],
      ]),
      empty: new Map(),
    }),
  },
  {
    title: "Set of mixed values in insertion order",
    state: () => ({ set: new Set<unknown>(["b", "a", 3, { o: 1 }, [1]]), empty: new Set() }),
  },
  {
    title: "BigInt (zero, beyond 2^64, negative)",
    state: () => ({ zero: 0n, big: 2n ** 70n + 1n, negative: -(10n ** 30n), list: [1n, 2n] }),
  },
  {
    title: "Uint8Array (empty and all 256 byte values)",
    state: () => ({ empty: new Uint8Array(0), all: Uint8Array.from({ length: 256 }, (_, i) => i) }),
  },
  {
    title: "undefined inside objects (the key is kept) and arrays",
    state: () => ({ present: 1, missing: undefined, nested: { alsoMissing: undefined }, list: [undefined, 1] }),
  },
  {
    title: "-0, NaN, Infinity and -Infinity",
    state: () => ({ negZero: -0, nan: Number.NaN, inf: Infinity, negInf: -Infinity, list: [-0, Number.NaN] }),
  },
  {
    title: "numbers at the edges of double precision",
    state: () => [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MIN_VALUE, 1e308, 0.1 + 0.2, -1.5e-7],
  },
  { title: "nested arrays 64 levels deep", state: () => ({ tree: nestedArrays(64), empty: [[], [[]]] }) },
  {
    title: "plain objects that look like encoder tags ($lg keys)",
    state: () => ({ $lg: "date", v: "not a date", inner: { $lg: "undef" }, list: [{ $lg: "esc", v: {} }] }),
  },
  {
    title: "strings with Unicode, quotes, backslashes and control characters",
    state: () => ({
      text: "naïve café — 漢字 한국어 עברית 🚀👩‍👩‍👧 e\u0301",
      quotes: `'single' "double" \`back\` \\ / \\n`,
      controls: "tab\tnewline\nreturn\r\u0001\u001f\u007f",
      empty: "",
      'key with spaces and "quotes"': "ok",
    }),
  },
  {
    title: "strings with NUL characters and lone surrogates",
    state: () => ({ nul: "a\u0000b", lone: "x\ud800y", trailing: "\udfff", [`k\u0000ey`]: 1 }),
  },
  { title: "a top-level state of null", state: () => null },
  { title: "a top-level state that is a string", state: () => "just a string" },
  { title: "a top-level state that is a number", state: () => 42.5 },
  { title: "a top-level state that is an array", state: () => [1, "two", { three: 3 }] },
];

/**
 * State and metadata fidelity: every value type of the core serializer (`Date`, `Map`, `Set`, `BigInt`,
 * `Uint8Array`, `undefined`, `-0`, `NaN`, ±Infinity, deep arrays, tag look-alikes, awkward strings, non-object
 * states) comes back equal through `load`, `latest` and `list`; metadata keeps the same types; a 5 MB state
 * round-trips.
 */
export function serializationSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("serialization", () => {
    for (const { title, state } of CASES) {
      ctx.test(title, async (store) => {
        const executionId = uniqueId("serial");
        const cp = createTestCheckpoint({ executionId, version: 1, state: state() });
        await store.save(cp);
        const expected = state();
        expectEqual((await store.load(cp.id))?.state, expected, `load(id).state must equal the saved state`);
        expectEqual((await store.latest(executionId))?.state, expected, `latest(executionId).state must equal it`);
        const listed = await store.list(executionId);
        expectEqual(nth(listed, 0).state, expected, `list(executionId)[0].state must equal it`);
      });
    }

    ctx.test("metadata keeps Date, Map, BigInt and undefined values", async (store) => {
      const metadata = () => ({
        source: "update" as const,
        step: 4,
        execution_id: "x",
        at: new Date(Date.UTC(2025, 2, 3)),
        tally: new Map([["a", 1n]]),
        maybe: undefined,
      });
      const cp = createTestCheckpoint({ executionId: uniqueId("serial"), metadata: metadata() });
      await store.save(cp);
      expectEqual((await store.load(cp.id))?.metadata, metadata(), "load(id).metadata must equal the saved metadata");
    });

    ctx.test("a 5 MB state round-trips", async (store) => {
      const chunks = Array.from({ length: 5 * 1024 }, (_, i) => `${i}:${filler(1030, i)}`);
      const state = { chunks, bytes: new Uint8Array(64 * 1024).fill(7), when: new Date(FIVE_MB_DATE) };
      const cp = createTestCheckpoint({ executionId: uniqueId("big"), state });
      expectTrue(JSON.stringify(chunks).length >= 5 * 1024 * 1024, "fixture must be at least 5 MB");
      await store.save(cp);
      const loaded = await store.load(cp.id);
      expectEqual(loaded?.state, state, "a 5 MB state must come back unchanged");
    });
  });
}

const FIVE_MB_DATE = Date.UTC(2025, 0, 2);
