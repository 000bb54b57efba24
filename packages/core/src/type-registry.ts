import { InvalidArgumentError } from "./errors.js";

/**
 * How to store instances of a class the serializer does not know (a message class, a decimal, a date library's
 * type) so that they come back as instances of that class, not as plain objects.
 *
 * @typeParam T - the class (or any kind of value) this entry stores.
 * @typeParam S - what `serialize` returns and `deserialize` receives.
 */
export interface CustomType<T, S = unknown> {
  /**
   * The name written into the stored form; it must stay the same for as long as stored checkpoints hold the type,
   * and every process that loads them must register it under the same name.
   */
  name: string;
  /** Whether `value` is one of this type's values (usually `value instanceof MyClass`). */
  isApplicable: (value: unknown) => boolean;
  /**
   * Turns a value into anything storable: JSON values and everything else the serializer keeps losslessly
   * (`Date`, `Map`, `BigInt`, other registered types …), never the value itself.
   */
  serialize: (value: T) => S;
  /** Rebuilds the value from what `serialize` returned (decoded: a `Date` comes back as a `Date`). */
  deserialize: (stored: S) => T;
}

/** Options of {@link registerType}. */
export interface RegisterTypeOptions {
  /** Replace an entry registered under the same name with a different definition (default `false`: refused). */
  override?: boolean;
}

/** A registered entry as the serializer sees it: the definition's members, copied at registration. */
export interface RegisteredType {
  /** The stored name. */
  readonly name: string;
  /** See {@link CustomType.isApplicable}. */
  readonly isApplicable: (value: unknown) => boolean;
  /** See {@link CustomType.serialize}. */
  readonly serialize: (value: unknown) => unknown;
  /** See {@link CustomType.deserialize}. */
  readonly deserialize: (stored: unknown) => unknown;
}

/**
 * The process-wide registry. It lives on `globalThis` under a `Symbol.for` key so that every copy of `@lg/core` in
 * the process (its ESM and CommonJS builds loaded side by side) reads and writes the same one; its shape is
 * therefore a contract between copies and must only ever grow. `ordered` is replaced, never mutated, on every
 * change, so an encoder can take it once per call and walk it without re-reading the map.
 */
interface SharedRegistry {
  byName: Map<string, RegisteredType>;
  ordered: readonly RegisteredType[];
}

const REGISTRY_KEY = Symbol.for("@lg/core/type-registry");

type RegistryHost = { [REGISTRY_KEY]?: SharedRegistry };

function registry(): SharedRegistry {
  const host = globalThis as RegistryHost;
  // Created on first use rather than at import, so importing core has no effect on the global object.
  return (host[REGISTRY_KEY] ??= { byName: new Map(), ordered: [] });
}

function sameDefinition(a: RegisteredType, b: RegisteredType): boolean {
  return a.isApplicable === b.isApplicable && a.serialize === b.serialize && a.deserialize === b.deserialize;
}

function checkDefinition(type: CustomType<unknown>): void {
  if (type === null || typeof type !== "object") {
    throw new InvalidArgumentError("registerType expects { name, isApplicable, serialize, deserialize }");
  }
  if (typeof type.name !== "string" || type.name.length === 0) {
    throw new InvalidArgumentError(`registerType: name must be a non-empty string, got ${JSON.stringify(type.name)}`);
  }
  for (const member of ["isApplicable", "serialize", "deserialize"] as const) {
    if (typeof type[member] !== "function") {
      throw new InvalidArgumentError(`registerType: ${member} of type "${type.name}" must be a function`);
    }
  }
}

/**
 * Registers a custom type with the serializer, for the whole process (every copy of `@lg/core` in it). From then
 * on, a value for which `isApplicable` is true is stored as `{ "$lg": "type", "n": name, "v": <serialize(value),
 * encoded> }` and loaded back through `deserialize`. Types are tried in registration order, before the built-in
 * kinds, so the first one that applies wins. Register every type before the first checkpoint that holds it is
 * saved or loaded: loading a checkpoint that names an unregistered type is a `CheckpointCorruptError`.
 *
 * Registering the same definition (the same three functions) again under its name does nothing; a different
 * definition under a taken name is an {@link InvalidArgumentError} unless `options.override` is `true`, which
 * replaces it in place (keeping its position in the order).
 *
 * @typeParam T - the values the type stores.
 * @typeParam S - their serialized form.
 * @param type - the definition.
 * @param options - `override` to replace an existing definition.
 */
export function registerType<T, S>(type: CustomType<T, S>, options: RegisterTypeOptions = {}): void {
  checkDefinition(type as unknown as CustomType<unknown>);
  const entry: RegisteredType = Object.freeze({
    name: type.name,
    isApplicable: type.isApplicable,
    serialize: type.serialize as (value: unknown) => unknown,
    deserialize: type.deserialize as (stored: unknown) => unknown,
  });
  const shared = registry();
  const existing = shared.byName.get(entry.name);
  if (existing !== undefined && sameDefinition(existing, entry)) return;
  if (existing !== undefined && options.override !== true) {
    throw new InvalidArgumentError(
      `registerType: a different type is already registered as "${entry.name}"; choose another name, or pass ` +
        "{ override: true } to replace it",
    );
  }
  shared.byName.set(entry.name, entry);
  // Map iteration follows first insertion, so an override keeps the replaced entry's place in the order.
  shared.ordered = Object.freeze([...shared.byName.values()]);
}

/**
 * Removes the type registered under `name` (meant for tests). Returns whether there was one. Checkpoints that hold
 * the type can no longer be loaded until it is registered again.
 *
 * @param name - the registered name.
 */
export function unregisterType(name: string): boolean {
  const shared = registry();
  if (!shared.byName.delete(name)) return false;
  shared.ordered = Object.freeze([...shared.byName.values()]);
  return true;
}

/**
 * The registered types in registration order: the serializer takes this once per encode call. An empty array when
 * none are registered, which keeps the encoder's hot path to one length check per object.
 */
export function registeredTypes(): readonly RegisteredType[] {
  return registry().ordered;
}

/**
 * The type registered under `name`, or `undefined`.
 *
 * @param name - the stored name.
 */
export function findRegisteredType(name: string): RegisteredType | undefined {
  return registry().byName.get(name);
}
