/**
 * Searching a record returned by `raw.read` without knowing its shape: a row of columns, a Redis hash as a flat
 * array, a parsed JSONB document, or JSON text anywhere inside them. Specs plant unique marker strings in a
 * checkpoint and look for where the store put them.
 */

// Deeper than any record a store returns for one checkpoint; it only guards against runaway nesting.
const MAX_DEPTH = 200;

/** JSON text inside a record (a TEXT column, a hash field) parsed, or `undefined` when it is not JSON. */
function parseJsonText(text: string): unknown {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

function childrenOf(value: object): unknown[] {
  if (value instanceof Map) return [...value.keys(), ...value.values()];
  if (Array.isArray(value)) return value;
  return [...Object.keys(value), ...Object.values(value)];
}

/** True when a string anywhere in `record` (a value or an object key, bytes read as UTF-8) contains `marker`. */
export function recordMentions(record: unknown, marker: string, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  if (typeof record === "string") return record.includes(marker);
  if (record instanceof Uint8Array) return new TextDecoder().decode(record).includes(marker);
  if (record === null || typeof record !== "object") return false;
  return childrenOf(record).some((child) => recordMentions(child, marker, depth + 1));
}

/**
 * Every object in `record` that has the own property `key` set to `value`, JSON text inside the record parsed
 * first: how a spec finds the stored metadata object it planted `{ [key]: value }` in, whatever the layout.
 */
export function objectsHolding(record: unknown, key: string, value: string, depth = 0): object[] {
  if (depth > MAX_DEPTH) return [];
  if (typeof record === "string") {
    const parsed = parseJsonText(record);
    return parsed === undefined ? [] : objectsHolding(parsed, key, value, depth + 1);
  }
  if (record === null || typeof record !== "object" || record instanceof Uint8Array) return [];
  const own = !Array.isArray(record) && !(record instanceof Map) && (record as Record<string, unknown>)[key] === value;
  const nested = childrenOf(record).flatMap((child) => objectsHolding(child, key, value, depth + 1));
  return own ? [record, ...nested] : nested;
}
