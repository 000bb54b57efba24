/**
 * Own-property access for records keyed by names from outside (state keys, node names, JSON object keys), where
 * `"__proto__"`, `"constructor"` or `"toString"` are ordinary keys. Internal to core.
 */

/** Sets an own data property; plain assignment would turn a `"__proto__"` key into the object's prototype. */
export function setOwn<V>(target: Record<string, V>, key: string, value: V): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** `record[key]` only when it is the record's own entry (not one inherited from `Object.prototype`). */
export function ownValue<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
