import { encodeValue } from "@lg/core";
import { jsonEqual } from "@lg/core/store";

/**
 * `diff`: a structural diff of two states. Plain objects, arrays and maps with string or number keys are walked
 * key by key; anything else (dates, sets, bytes, big integers, primitives) is a leaf compared by its lossless
 * encoding, so `new Date(1)` equals `new Date(1)` and `-0` differs from `0`.
 *
 * @packageDocumentation
 */

/** One difference between two states, at a path such as `user.tags[2]` or `counts<"a">` (a map key). */
export type StateChange =
  | { kind: "added"; path: string; after: unknown }
  | { kind: "removed"; path: string; before: unknown }
  | { kind: "changed"; path: string; before: unknown; after: unknown };

type Container = { kind: "object" | "array" | "map"; entries: Map<string | number, unknown> };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function containerOf(value: unknown): Container | undefined {
  if (Array.isArray(value)) return { kind: "array", entries: new Map(value.map((item, i) => [i, item])) };
  if (isPlainObject(value)) return { kind: "object", entries: new Map(Object.entries(value)) };
  if (value instanceof Map && [...value.keys()].every((k) => typeof k === "string" || typeof k === "number")) {
    return { kind: "map", entries: value as Map<string | number, unknown> };
  }
  return undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function childPath(parent: string, kind: Container["kind"], key: string | number): string {
  if (kind === "array") return `${parent}[${key}]`;
  if (kind === "map") return `${parent}<${JSON.stringify(key)}>`;
  const name = String(key);
  if (IDENTIFIER.test(name)) return parent.length === 0 ? name : `${parent}.${name}`;
  return `${parent}[${JSON.stringify(name)}]`;
}

function sameLeaf(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  try {
    return jsonEqual(encodeValue(a, "a"), encodeValue(b, "b"));
  } catch {
    return false; // a value the serializer refuses cannot be in a stored state; treat it as different
  }
}

function walk(before: unknown, after: unknown, path: string, out: StateChange[]): void {
  const a = containerOf(before);
  const b = containerOf(after);
  if (a === undefined || b === undefined || a.kind !== b.kind) {
    if (!sameLeaf(before, after))
      out.push({ kind: "changed", path: path.length === 0 ? "(root)" : path, before, after });
    return;
  }
  for (const [key, value] of a.entries) {
    const p = childPath(path, a.kind, key);
    if (b.entries.has(key)) walk(value, b.entries.get(key), p, out);
    else out.push({ kind: "removed", path: p, before: value });
  }
  for (const [key, value] of b.entries) {
    if (!a.entries.has(key)) out.push({ kind: "added", path: childPath(path, b.kind, key), after: value });
  }
}

/** The added, removed and changed paths from `before` to `after`, in the order of `before`'s keys, then new keys. */
export function diffStates(before: unknown, after: unknown): StateChange[] {
  const changes: StateChange[] = [];
  walk(before, after, "", changes);
  return changes;
}
