import { randomBytes } from "node:crypto";
import { createCheckpointId, decodeValue, encodeValue, type Checkpoint } from "@lg/core";

/**
 * A random identifier that starts with `label`, so that tests never meet each other's data even when they share
 * a backend (and the leftovers of a failed test are easy to recognise).
 */
export function uniqueId(label = "t"): string {
  return `${label}-${randomBytes(6).toString("hex")}`;
}

/** The instant fixture timestamps count from; whole seconds so every backend stores it exactly. */
export const FIXTURE_EPOCH = Date.UTC(2025, 0, 1, 12, 0, 0);

/**
 * A valid checkpoint with every field filled, for store tests. Defaults: a fresh UUIDv7 id, version 1, a state
 * and metadata that hold a nested object and an array, `next: ["next-node"]`, and a timestamp of
 * `FIXTURE_EPOCH + version` seconds (with a millisecond part, which every store must keep).
 */
export function createTestCheckpoint<S = unknown>(
  overrides: Partial<Checkpoint<S>> & { executionId: string },
): Checkpoint<S> {
  const version = overrides.version ?? 1;
  const base: Checkpoint<S> = {
    id: createCheckpointId(),
    executionId: overrides.executionId,
    nodeName: "node",
    state: { counter: version, nested: { items: ["x", version] } } as S,
    metadata: { source: "loop", step: version, execution_id: overrides.executionId, note: "fixture" },
    timestamp: new Date(FIXTURE_EPOCH + version * 1000 + 123),
    version,
    next: ["next-node"],
  };
  return { ...base, ...overrides };
}

/**
 * `count` checkpoints of one execution with versions 1…count, each the parent of the next, timestamps one second
 * apart. `stateOf(version)` overrides the state.
 */
export function createCheckpointChain(
  executionId: string,
  count: number,
  stateOf?: (version: number) => unknown,
): Checkpoint[] {
  const chain: Checkpoint[] = [];
  for (let version = 1; version <= count; version++) {
    const parent = chain[chain.length - 1];
    const cp = createTestCheckpoint({ executionId, version });
    if (parent !== undefined) cp.parentId = parent.id;
    if (stateOf !== undefined) cp.state = stateOf(version);
    chain.push(cp);
  }
  return chain;
}

/** A string of exactly `bytes` ASCII characters, varied so that it does not compress to nothing. */
export function filler(bytes: number, seed = 0): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  let chunk = "";
  for (let i = 0; i < Math.min(bytes, 997); i++) chunk += alphabet[(i * 7 + seed) % alphabet.length];
  while (out.length + chunk.length <= bytes) out += chunk;
  return out + chunk.slice(0, bytes - out.length);
}

/**
 * A deep copy of a checkpoint that shares no object with it (through the core encoder, which copies Date, Map,
 * Set, BigInt and bytes exactly). Unlike `structuredClone` it creates objects of the calling realm, which matters
 * under jest, whose tests run in their own realm.
 */
export function copyCheckpoint<S>(cp: Checkpoint<S>): Checkpoint<S> {
  const copy: Checkpoint<S> = {
    ...cp,
    state: decodeValue(encodeValue(cp.state)) as S,
    metadata: decodeValue(encodeValue(cp.metadata)) as Checkpoint["metadata"],
    timestamp: new Date(cp.timestamp.getTime()),
    next: [...cp.next],
  };
  return copy;
}
