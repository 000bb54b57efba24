import type { EncodedCheckpoint } from "./codec.js";
import type { JsonValue } from "./serializer.js";

/**
 * Structural equality of two JSON values. Object keys are compared as sets (their order carries no meaning in
 * stored data: PostgreSQL's JSONB, for one, does not keep it), array items in order.
 *
 * Stores use it to tell an identical re-save (a no-op) from a conflict, so that saving a checkpoint read back from
 * any backend again (a restored backup, a retried copy) is idempotent everywhere.
 */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i] as JsonValue, b[i] as JsonValue)) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!jsonEqual(a[key] as JsonValue, b[key] as JsonValue)) return false;
  }
  return true;
}

/**
 * Whether two encoded checkpoints hold the same content in every field, object keys in any order: what makes a
 * re-save idempotent under the `CheckpointStore` contract.
 */
export function sameEncodedCheckpoint(a: EncodedCheckpoint, b: EncodedCheckpoint): boolean {
  return (
    a.id === b.id &&
    a.executionId === b.executionId &&
    a.nodeName === b.nodeName &&
    a.version === b.version &&
    a.timestamp === b.timestamp &&
    a.parentId === b.parentId &&
    jsonEqual(a.next, b.next) &&
    jsonEqual(a.state, b.state) &&
    jsonEqual(a.metadata, b.metadata) &&
    jsonEqual(a.tasks ?? null, b.tasks ?? null)
  );
}

/**
 * JSON text of `value` with every object's keys sorted (by UTF-16 code units): equal values by {@link jsonEqual}
 * give identical text, whatever order their keys came in. For hashing, authenticating or storing a value where
 * bytes must not depend on key order.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(",")}}`;
}

/**
 * Whether two JSON texts hold the same value by {@link jsonEqual} (object keys in any order). Identical texts are
 * equal; otherwise text that does not parse equals nothing. For stores that keep JSON text and must tell an
 * identical re-save from a conflict.
 */
export function jsonTextEqual(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return jsonEqual(JSON.parse(a) as JsonValue, JSON.parse(b) as JsonValue);
  } catch {
    return false;
  }
}
