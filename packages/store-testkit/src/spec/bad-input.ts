import {
  InvalidArgumentError,
  SerializationError,
  type Checkpoint,
  type CheckpointStore,
  type ListOptions,
} from "@lg/core";
import { createTestCheckpoint, uniqueId } from "../fixtures.js";
import { contextOf } from "./context.js";
import { call, expectRejects, expectTrue, expectVersions } from "./expect.js";
import type { SpecOptions } from "./options.js";

const SERIALIZATION = { type: SerializationError, code: "LG_SERIALIZATION" } as const;
const INVALID = { type: InvalidArgumentError, code: "LG_INVALID_ARGUMENT" } as const;

class Opaque {
  constructor(readonly secret = 1) {}
}

/** Unstorable values and the path the `SerializationError` must name. */
const UNSTORABLE: { title: string; path: string; patch: () => Partial<Checkpoint> }[] = [
  {
    title: "a function in state",
    path: "state.user.callback",
    patch: () => ({ state: { user: { name: "a", callback: () => 1 } } }),
  },
  { title: "a symbol in metadata", path: "metadata.marker", patch: () => ({ metadata: { marker: Symbol("m") } }) },
  {
    title: "a cycle in state",
    path: "state.self.again",
    patch: () => {
      const self: Record<string, unknown> = {};
      self.again = self;
      return { state: { self } };
    },
  },
  {
    title: "a class instance without toJSON",
    path: "state.items[1]",
    patch: () => ({ state: { items: [1, new Opaque()] } }),
  },
];

/** Malformed checkpoints; the store must reject each with `InvalidArgumentError` before writing. */
const MALFORMED: { field: string; patch: Record<string, unknown> }[] = [
  { field: "an empty id", patch: { id: "" } },
  { field: "an empty executionId", patch: { executionId: "" } },
  { field: "version 0", patch: { version: 0 } },
  { field: "a negative version", patch: { version: -1 } },
  { field: "a fractional version", patch: { version: 1.5 } },
  { field: "a version given as a string", patch: { version: "2" } },
  { field: "an invalid Date timestamp", patch: { timestamp: new Date(Number.NaN) } },
  { field: "a timestamp that is a number", patch: { timestamp: 1_700_000_000_000 } },
  { field: "next that is not an array", patch: { next: "a" } },
  { field: "next holding a non-string", patch: { next: ["a", 1] } },
  { field: "a nodeName with a lone surrogate", patch: { nodeName: "n\ud800" } },
  { field: "next holding a lone surrogate", patch: { next: ["\udc00x"] } },
  { field: "metadata that is an array", patch: { metadata: [] } },
  { field: "an empty parentId", patch: { parentId: "" } },
];

/** List options outside the contract. */
const BAD_LIST_OPTIONS: { title: string; options: Record<string, unknown> }[] = [
  { title: "limit 0", options: { limit: 0 } },
  { title: "a negative limit", options: { limit: -3 } },
  { title: "a fractional limit", options: { limit: 1.5 } },
  { title: 'order "up"', options: { order: "up" } },
  { title: "beforeVersion given as a string", options: { beforeVersion: "3" } },
];

/**
 * Bad input: unstorable values (function, symbol, cycle, class instance) are rejected with `SerializationError`
 * naming the path, and nothing is stored; malformed fields (empty ids, non-integer versions, invalid dates,
 * malformed `next`, metadata or `parentId`) with `InvalidArgumentError`; invalid `list` options with
 * `InvalidArgumentError`. Every failure is a rejected promise, never a synchronous throw.
 */
export function badInputSpec<S extends CheckpointStore>(options: SpecOptions<S>): void {
  const ctx = contextOf(options);
  ctx.suite("bad input", () => {
    for (const { title, path, patch } of UNSTORABLE) {
      ctx.test(`save rejects ${title} with SerializationError naming ${path}`, async (store) => {
        const cp = { ...createTestCheckpoint({ executionId: uniqueId("bad") }), ...patch() };
        const error = await expectRejects(
          call("save", () => store.save(cp)),
          SERIALIZATION,
          `save with ${title}`,
        );
        const named = (error as SerializationError).path;
        expectTrue(
          named === path,
          `SerializationError.path must be ${JSON.stringify(path)}, got ${JSON.stringify(named)}`,
        );
        expectTrue(error.message.includes(path), `the error message must name ${path}: ${error.message}`);
        expectTrue((await store.load(cp.id)) === undefined, "a rejected checkpoint must not be stored");
        expectTrue((await store.latest(cp.executionId)) === undefined, "a rejected save must leave no latest");
      });
    }

    for (const { field, patch } of MALFORMED) {
      ctx.test(`save rejects ${field} with InvalidArgumentError`, async (store) => {
        const valid = createTestCheckpoint({ executionId: uniqueId("bad") });
        const cp = { ...valid, ...patch } as unknown as Checkpoint;
        await expectRejects(
          call("save", () => store.save(cp)),
          INVALID,
          `save of a checkpoint with ${field}`,
        );
        expectTrue((await store.load(valid.id)) === undefined, "a rejected checkpoint must not be stored");
        expectVersions(await store.list(valid.executionId), [], "a rejected save must leave the execution empty");
      });
    }

    for (const { title, options: listOptions } of BAD_LIST_OPTIONS) {
      ctx.test(`list rejects ${title} with InvalidArgumentError`, async (store) => {
        const executionId = uniqueId("bad");
        await store.save(createTestCheckpoint({ executionId }));
        await expectRejects(
          call("list", () => store.list(executionId, listOptions as ListOptions)),
          INVALID,
          `list(executionId, ${JSON.stringify(listOptions)})`,
        );
      });
    }
  });
}
