import {
  CheckpointConflictError,
  CheckpointCorruptError,
  CheckpointNotFoundError,
  InvalidArgumentError,
  InvalidGraphError,
  SerializationError,
  StoreUnavailableError,
} from "@lg/core";
import type { Expected } from "./types.js";

/** A malformed argument or option. */
export const INVALID: Expected = { type: InvalidArgumentError, code: "LG_INVALID_ARGUMENT" };
/** A value that cannot be stored. */
export const UNSTORABLE: Expected = { type: SerializationError, code: "LG_SERIALIZATION" };
/** An inconsistent graph or compile option. */
export const BAD_GRAPH: Expected = { type: InvalidGraphError, code: "LG_INVALID_GRAPH" };
/** A checkpoint or execution that is not there. */
export const NOT_FOUND: Expected = { type: CheckpointNotFoundError, code: "LG_CHECKPOINT_NOT_FOUND" };
/** Stored data that cannot be read back. */
export const CORRUPT: Expected = { type: CheckpointCorruptError, code: "LG_CHECKPOINT_CORRUPT" };
/** A backend whose tables are not the store's (a column dropped underneath it). */
export const UNAVAILABLE: Expected = { type: StoreUnavailableError, code: "LG_STORE_UNAVAILABLE" };
/** Another checkpoint already holds the id or the version. */
export const CONFLICT: Expected = { type: CheckpointConflictError, code: "LG_CHECKPOINT_CONFLICT" };
