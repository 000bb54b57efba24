import type { Checkpoint, CheckpointMetadata, TaskResults } from "./checkpoint.js";
import { CheckpointCorruptError } from "./errors.js";
import { decodeValue, encodeValue, isTagFree, parseJson, type JsonValue } from "./serializer.js";
import { sameEncodedCheckpoint } from "./json-equal.js";
import { validateCheckpoint } from "./validate.js";

/**
 * A checkpoint with state and metadata encoded to plain JSON ({@link encodeValue}): the form stores write.
 * It shares no object with the checkpoint it came from.
 */
export interface EncodedCheckpoint {
  /** Checkpoint id. */
  id: string;
  /** Execution id. */
  executionId: string;
  /** Node name. */
  nodeName: string;
  /** Encoded state. */
  state: JsonValue;
  /** Encoded metadata (a JSON object). */
  metadata: JsonValue;
  /** Creation time in milliseconds since the Unix epoch. */
  timestamp: number;
  /** Version within the execution. */
  version: number;
  /** Parent checkpoint id, or `null`. */
  parentId: string | null;
  /** Nodes to run next. */
  next: string[];
  /** Encoded task results (`Checkpoint.tasks`), or `null`/absent when there are none. */
  tasks?: JsonValue | null;
}

/**
 * Validates a checkpoint and encodes it for storage. Throws `InvalidArgumentError` for a malformed field and
 * `SerializationError` naming the path (`state.user.callback`) for an unstorable value.
 */
export function encodeCheckpoint(cp: Checkpoint): EncodedCheckpoint {
  validateCheckpoint(cp);
  return {
    id: cp.id,
    executionId: cp.executionId,
    nodeName: cp.nodeName,
    state: encodeValue(cp.state, "state"),
    metadata: encodeValue(cp.metadata, "metadata"),
    timestamp: cp.timestamp.getTime(),
    version: cp.version,
    parentId: cp.parentId ?? null,
    next: [...cp.next],
    tasks: cp.tasks === undefined ? null : encodeValue(cp.tasks, "tasks"),
  };
}

function rewrap(id: string | undefined, error: unknown): never {
  if (error instanceof CheckpointCorruptError && error.checkpointId === undefined && id !== undefined) {
    throw new CheckpointCorruptError(id, error.detail, { cause: error });
  }
  if (error instanceof CheckpointCorruptError) throw error;
  throw new CheckpointCorruptError(id, (error as Error).message ?? String(error), { cause: error });
}

/** Options of {@link decodeCheckpoint}. */
export interface DecodeCheckpointOptions {
  /**
   * The state and metadata are freshly parsed JSON known to hold no `$lg` tag (see `isTagFree`): use them as they
   * are instead of walking them. Only pass `true` for objects nobody else holds.
   */
  tagFree?: boolean;
}

const keepAsIs = (json: JsonValue): unknown => json;

/**
 * Turns an encoded checkpoint back into a checkpoint with fresh objects. Throws {@link CheckpointCorruptError}
 * (naming the id) when a field has the wrong type or a value tag is malformed.
 */
export function decodeCheckpoint(enc: EncodedCheckpoint, options: DecodeCheckpointOptions = {}): Checkpoint {
  const decode = options.tagFree === true ? keepAsIs : decodeValue;
  const id = typeof enc?.id === "string" ? enc.id : undefined;
  try {
    if (enc === null || typeof enc !== "object") throw new CheckpointCorruptError(id, "not an object");
    if (typeof enc.executionId !== "string" || typeof enc.nodeName !== "string") {
      throw new CheckpointCorruptError(id, "executionId or nodeName is not a string");
    }
    // Versions start at 1 (what save accepts): a 0 or negative one would sort before the real history.
    if (typeof enc.version !== "number" || !Number.isSafeInteger(enc.version) || enc.version < 1) {
      throw new CheckpointCorruptError(id, "version is not a positive integer");
    }
    if (!Array.isArray(enc.next) || !Number.isFinite(enc.timestamp)) {
      throw new CheckpointCorruptError(id, "next is not an array or timestamp is not a number");
    }
    const metadata = decode(enc.metadata);
    // An array is refused like save refuses it: its keys (step, source) would all read as missing.
    if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
      throw new CheckpointCorruptError(id, "metadata is not an object");
    }
    const cp: Checkpoint = {
      id: id as string,
      executionId: enc.executionId,
      nodeName: enc.nodeName,
      state: decode(enc.state),
      metadata: metadata as CheckpointMetadata,
      timestamp: new Date(enc.timestamp),
      version: enc.version,
      next: enc.next.map(String),
    };
    if (typeof enc.parentId === "string") cp.parentId = enc.parentId;
    if (enc.tasks !== undefined && enc.tasks !== null) cp.tasks = decodeTaskResults(enc.tasks, id);
    return cp;
  } catch (error) {
    return rewrap(id, error);
  }
}

/**
 * Decodes encoded task results (`EncodedCheckpoint.tasks`) and checks their shape: a store that mangled them must
 * not hand the runtime a wrong resume. Throws {@link CheckpointCorruptError} naming checkpoint `id`.
 */
export function decodeTaskResults(json: JsonValue, id?: string): TaskResults {
  const t = decodeValue(json) as Partial<TaskResults> | null;
  if (t === null || typeof t !== "object" || Array.isArray(t))
    throw new CheckpointCorruptError(id, "tasks is not an object");
  if (t.nodes === null || typeof t.nodes !== "object" || Array.isArray(t.nodes) || !Array.isArray(t.interrupts)) {
    throw new CheckpointCorruptError(id, "tasks lacks its nodes object or interrupts array");
  }
  return t as TaskResults;
}

/** Encodes a checkpoint into one JSON string (for key-value backends and files). */
export function serializeCheckpoint(cp: Checkpoint): string {
  return JSON.stringify(encodeCheckpoint(cp));
}

/** Reverses {@link serializeCheckpoint}; `id` names the checkpoint in a {@link CheckpointCorruptError}. */
export function deserializeCheckpoint(text: string, id?: string): Checkpoint {
  let parsed: JsonValue;
  try {
    parsed = parseJson(text);
  } catch (error) {
    return rewrap(id, error);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed) || typeof parsed.id !== "string") {
    throw new CheckpointCorruptError(id, "stored JSON is not a checkpoint");
  }
  return decodeCheckpoint(parsed as unknown as EncodedCheckpoint, { tagFree: isTagFree(text) });
}

/**
 * Parses a JSON column (state, metadata or next stored as text) of checkpoint `id`, throwing
 * {@link CheckpointCorruptError} naming the id and column instead of a raw `SyntaxError`.
 */
export function parseJsonColumn(text: string, id: string, column: string): JsonValue {
  try {
    return parseJson(text);
  } catch (error) {
    throw new CheckpointCorruptError(id, `column ${column} is not valid JSON`, { cause: error });
  }
}

/** The key columns a row holds beside its JSON text, which the decoded checkpoint must match. */
export interface StoredRowKeys {
  /** The row's id column (the key it was found by). */
  id: string;
  /** The row's execution id column, when it has one. */
  executionId?: string;
  /** The row's version column, when it has one. */
  version?: number;
}

/**
 * Decodes a checkpoint stored as one JSON text ({@link serializeCheckpoint}) and verifies it against the row it was
 * read from: a text that does not decode, or that holds another checkpoint than the row's `id`, `executionId` or
 * `version` columns say (a row copied by hand, a driver that mangled a key), throws {@link CheckpointCorruptError}
 * naming the row's id, so `load` never hands out a checkpoint it was not asked for.
 */
export function decodeStoredCheckpoint(text: string, row: StoredRowKeys): Checkpoint {
  const cp = deserializeCheckpoint(text, row.id);
  const mismatch =
    cp.id !== row.id
      ? `holds checkpoint ${JSON.stringify(cp.id)}`
      : row.executionId !== undefined && cp.executionId !== row.executionId
        ? `holds execution ${JSON.stringify(cp.executionId)}, its row ${JSON.stringify(row.executionId)}`
        : row.version !== undefined && cp.version !== row.version
          ? `holds version ${cp.version}, its row ${row.version}`
          : undefined;
  if (mismatch !== undefined) throw new CheckpointCorruptError(row.id, `the stored text ${mismatch}`);
  return cp;
}

/**
 * Whether two checkpoints are the same checkpoint under the contract, compared in every field (`id`,
 * `executionId`, `nodeName`, `version`, `timestamp`, `parentId`, `next`, `state`, `metadata`, `tasks`) with object
 * keys in any order: a re-save of `b` over a stored `a` is then a no-op, anything else a `CheckpointConflictError`.
 */
export function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  return sameEncodedCheckpoint(encodeCheckpoint(a), encodeCheckpoint(b));
}
