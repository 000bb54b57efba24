import type { EncodedCheckpoint, JsonValue } from "@lg/core";

/**
 * Structural equality of two JSON values. Object keys are compared as sets (their order carries no meaning in
 * stored data), array items in order.
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

/** Whether two encoded checkpoints hold the same content in every field (what makes a re-save idempotent). */
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
    jsonEqual(a.metadata, b.metadata)
  );
}
