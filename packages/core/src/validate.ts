import type { Checkpoint, ListExecutionsOptions, ListOptions, PruneOptions } from "./checkpoint.js";
import { types } from "node:util";
import { InvalidArgumentError } from "./errors.js";

/** Throws {@link InvalidArgumentError} unless `value` is a non-empty string. */
export function assertNonEmptyString(name: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidArgumentError(`${name} must be a non-empty string, got ${describe(value)}`);
  }
}

function assertPositiveInteger(name: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${describe(value)}`);
  }
}

function assertInteger(name: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`${name} must be an integer, got ${describe(value)}`);
  }
}

function assertOptionsObject(name: string, options: unknown): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidArgumentError(`${name} options must be an object, got ${describe(options)}`);
  }
}

function isValidDate(value: unknown): value is Date {
  return types.isDate(value) && !Number.isNaN((value as Date).getTime());
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (types.isDate(value)) return `Date(${isValidDate(value) ? value.toISOString() : "invalid"})`;
  return typeof value === "object" ? (Array.isArray(value) ? "an array" : String(value)) : String(value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Throws unless UTF-8 can carry `value`: a lone UTF-16 surrogate cannot round-trip through a UTF-8 backend (it
 * becomes U+FFFD, so two ids could collide and a node name would come back changed).
 */
function assertNoLoneSurrogate(name: string, value: string): void {
  if (LONE_SURROGATE.test(value)) {
    throw new InvalidArgumentError(
      `${name} contains a lone UTF-16 surrogate, which no backend can store; got ${describe(value)}`,
    );
  }
}

/**
 * Whether `id` can name a stored checkpoint or execution: a non-empty string without a lone UTF-16 surrogate (what
 * `save` accepts). Stores check ids with it before reading, deleting or clearing: a UTF-8 driver turns a lone
 * surrogate into U+FFFD, so without it `load("x\uD800")` would find the checkpoint `"x\uFFFD"`. A read with an id
 * that is not storable finds nothing.
 */
export function isStorableId(id: unknown): id is string {
  return typeof id === "string" && id.length > 0 && !LONE_SURROGATE.test(id);
}

/** Throws unless `value` is a non-empty string that UTF-8 can carry (see {@link assertNoLoneSurrogate}). */
function assertStorableId(name: string, value: unknown): void {
  assertNonEmptyString(name, value);
  assertNoLoneSurrogate(name, value);
}

/** Checks every field of a checkpoint before it is stored; throws {@link InvalidArgumentError} naming the field. */
export function validateCheckpoint(cp: Checkpoint): void {
  if (cp === null || typeof cp !== "object") throw new InvalidArgumentError("checkpoint must be an object");
  assertStorableId("checkpoint.id", cp.id);
  assertStorableId("checkpoint.executionId", cp.executionId);
  if (typeof cp.nodeName !== "string") {
    throw new InvalidArgumentError(`checkpoint.nodeName must be a string, got ${describe(cp.nodeName)}`);
  }
  assertNoLoneSurrogate("checkpoint.nodeName", cp.nodeName);
  assertPositiveInteger("checkpoint.version", cp.version);
  if (!isValidDate(cp.timestamp)) {
    throw new InvalidArgumentError(`checkpoint.timestamp must be a valid Date, got ${describe(cp.timestamp)}`);
  }
  if (cp.parentId !== undefined) assertStorableId("checkpoint.parentId", cp.parentId);
  if (!Array.isArray(cp.next) || cp.next.some((node) => typeof node !== "string")) {
    throw new InvalidArgumentError("checkpoint.next must be an array of node names (strings)");
  }
  for (const node of cp.next) assertNoLoneSurrogate("checkpoint.next", node);
  if (cp.metadata === null || typeof cp.metadata !== "object" || Array.isArray(cp.metadata)) {
    throw new InvalidArgumentError(`checkpoint.metadata must be a plain object, got ${describe(cp.metadata)}`);
  }
  if (cp.tasks !== undefined) validateTasks(cp.tasks);
}

function validateTasks(tasks: Checkpoint["tasks"]): void {
  if (tasks === null || typeof tasks !== "object" || Array.isArray(tasks)) {
    throw new InvalidArgumentError(`checkpoint.tasks must be an object, got ${describe(tasks)}`);
  }
  if (tasks.nodes === null || typeof tasks.nodes !== "object" || Array.isArray(tasks.nodes)) {
    throw new InvalidArgumentError("checkpoint.tasks.nodes must be an object of task results by node name");
  }
  if (!Array.isArray(tasks.interrupts)) throw new InvalidArgumentError("checkpoint.tasks.interrupts must be an array");
}

/** Checks {@link ListOptions}; throws {@link InvalidArgumentError} naming the bad option. */
export function validateListOptions(options: ListOptions | undefined): void {
  if (options === undefined) return;
  assertOptionsObject("list", options);
  if (options.limit !== undefined) assertPositiveInteger("list option limit", options.limit);
  if (options.beforeVersion !== undefined) assertInteger("list option beforeVersion", options.beforeVersion);
  if (options.afterVersion !== undefined) assertInteger("list option afterVersion", options.afterVersion);
  if (options.order !== undefined && options.order !== "asc" && options.order !== "desc") {
    throw new InvalidArgumentError(`list option order must be "asc" or "desc", got ${describe(options.order)}`);
  }
}

/** Checks {@link PruneOptions}; at least one of `keepLast` and `olderThan` is required. */
export function validatePruneOptions(options: PruneOptions | undefined): void {
  if (options !== undefined) assertOptionsObject("prune", options);
  if (options === undefined || (options.keepLast === undefined && options.olderThan === undefined)) {
    throw new InvalidArgumentError("prune needs keepLast, olderThan or both");
  }
  if (options.keepLast !== undefined) assertPositiveInteger("prune option keepLast", options.keepLast);
  if (options.olderThan !== undefined) {
    if (!isValidDate(options.olderThan)) {
      throw new InvalidArgumentError(`prune option olderThan must be a valid Date, got ${describe(options.olderThan)}`);
    }
  }
  if (options.protect !== undefined && !Array.isArray(options.protect)) {
    throw new InvalidArgumentError("prune option protect must be an array of checkpoint ids");
  }
}

/** Checks {@link ListExecutionsOptions}. */
export function validateListExecutionsOptions(options: ListExecutionsOptions | undefined): void {
  if (options === undefined) return;
  assertOptionsObject("listExecutions", options);
  if (options.limit !== undefined) assertPositiveInteger("listExecutions option limit", options.limit);
  if (options.cursor !== undefined && typeof options.cursor !== "string") {
    throw new InvalidArgumentError("listExecutions option cursor must be the nextCursor string of a previous page");
  }
}

const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Checks that a table, schema or key-prefix name from options is a plain identifier (letters, digits, `_`, at most
 * 63 characters, not starting with a digit) and returns the bare name. Quoting is the store's, since it depends on
 * the backend: PostgreSQL and SQLite `"name"`, MySQL and MariaDB `` `name` ``. Throws {@link InvalidArgumentError}
 * naming `what` otherwise.
 */
export function validateIdentifier(what: string, name: unknown): string {
  if (typeof name !== "string" || !SQL_IDENTIFIER.test(name)) {
    throw new InvalidArgumentError(
      `${what} must match ${SQL_IDENTIFIER.source} (letters, digits and _, at most 63 characters), got ${describe(name)}`,
    );
  }
  return name;
}

/**
 * Checks that a table or schema name from options is a plain SQL identifier ({@link validateIdentifier}) and
 * returns it double-quoted for use in SQL text (PostgreSQL, SQLite).
 */
export function quoteSqlIdentifier(what: string, name: unknown): string {
  return `"${validateIdentifier(what, name)}"`;
}
