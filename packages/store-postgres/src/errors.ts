import {
  CheckpointConflictError,
  InvalidArgumentError,
  LgError,
  StoreUnavailableError,
  messageOf,
  redactSecrets,
} from "@lg/core";
import type { PostgresClient } from "./options.js";

/**
 * Maps postgres.js and socket errors to the typed errors of `@lg/core`. Connection-level failures become
 * `StoreUnavailableError` with every trace of the password removed; a statement the server refuses for its data
 * becomes `InvalidArgumentError` or `CheckpointConflictError`, never an error that suggests trying again; other
 * database errors (permissions …) pass through unchanged.
 *
 * @packageDocumentation
 */

/** Where the store connects, for error messages: never holds the password in printable form. */
export interface ServerTarget {
  /** `user@host:port/database`. */
  readonly label: string;
  /** Literal secrets to blank out of any message (the password and its URL-encoded form). */
  readonly secrets: readonly string[];
}

// Codes postgres.js and Node's net module give a failed or lost connection.
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "SASL_SIGNATURE_MISMATCH",
]);

// SQLSTATEs meaning the server cannot serve this connection: connection exceptions (08), admin/crash shutdown
// and "cannot connect now" (57P01-57P03, 57P01 is what pg_terminate_backend sends), too many connections (53300),
// authentication (28000, 28P01) and a missing database (3D000).
function isConnectionSqlState(code: string): boolean {
  return (
    code.startsWith("08") ||
    code === "57P01" ||
    code === "57P02" ||
    code === "57P03" ||
    code === "53300" ||
    code === "28000" ||
    code === "28P01" ||
    code === "3D000"
  );
}

// Failures of a connection that WAS open: the server closed it (restart, failover, pg_terminate_backend, idle
// timeout of a proxy). A fresh connection will likely work, unlike a refused or timed-out connect.
const LOST_CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE",
  "57P01",
  "08003",
  "08006",
]);

function codeOf(error: unknown): string | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** Describes a client's server as `user@host:port/database`, and collects the secrets to redact. */
export function serverTarget(sql: PostgresClient): ServerTarget {
  const options = sql.options as unknown as {
    host?: string[];
    port?: number[];
    database?: string;
    user?: string;
    pass?: unknown;
    path?: string | false;
  };
  const hosts = (options.host ?? []).map((host, i) => `${host}:${options.port?.[i] ?? 5432}`).join(",");
  const where = typeof options.path === "string" && options.path.length > 0 ? options.path : hosts;
  const pass = typeof options.pass === "string" && options.pass.length > 0 ? options.pass : undefined;
  return {
    label: `${options.user ?? "?"}@${where}/${options.database ?? "?"}`,
    secrets: pass === undefined ? [] : [pass, encodeURIComponent(pass)],
  };
}

/** Removes passwords (connection-string forms, `password=` pairs and the literal secrets) from a text. */
export function redact(text: string, target: ServerTarget): string {
  let out = redactSecrets(text);
  for (const secret of target.secrets) if (secret.length > 0) out = out.split(secret).join("***");
  return out;
}

/** Whether an error means the connection failed or was lost (rather than a statement failing). */
export function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && (CONNECTION_CODES.has(code) || isConnectionSqlState(code));
}

/**
 * Whether an error means an established connection was lost. Every statement the store runs may be repeated
 * on a fresh connection after such an error: reads trivially, and writes because a repeated save of the
 * same content is a no-op and deletes are idempotent.
 */
export function isLostConnection(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && LOST_CONNECTION_CODES.has(code);
}

/** The checkpoint a failing statement was saving, for a conflict reported by the server itself. */
export interface SaveTarget {
  /** Its execution id. */
  readonly executionId: string;
  /** Its version. */
  readonly version: number;
}

// SQLSTATE classes that say the statement's data cannot be stored as it is: repeating it can never succeed.
// 22: data exception (text or a timestamp PostgreSQL cannot represent, a value out of range); 23: integrity
// constraint violation (a constraint of the table refused the row); 54: program limit exceeded (a value too large
// for an index, such as an id over ~2.7 KB in a key of a partitioned table or in an index of your own).
function refusedData(error: unknown, code: string, saving: SaveTarget | undefined): LgError | undefined {
  const detail = `${messageOf(error)} (${code})`;
  if (code === "22P05" || code === "22021")
    return new InvalidArgumentError(`PostgreSQL cannot store this value: ${detail}`);
  if (code === "22008") {
    return new InvalidArgumentError(
      `PostgreSQL cannot store this timestamp (timestamptz covers 4713 BC to 294276 AD): ${detail}`,
    );
  }
  if ((code === "23505" || code === "23P01") && saving !== undefined) {
    return new CheckpointConflictError(saving.executionId, saving.version, { cause: error });
  }
  if (code.startsWith("22")) return new InvalidArgumentError(`PostgreSQL cannot store this value: ${detail}`);
  if (code.startsWith("23")) {
    return new InvalidArgumentError(`a constraint of the checkpoint table refused the statement: ${detail}`);
  }
  if (code.startsWith("54")) {
    return new InvalidArgumentError(
      `PostgreSQL refused the statement as over one of its limits: ${detail}. Ids and execution ids of any ` +
        "length fit the table setup() creates; a partitioned table's own keys, or an index you added on id or " +
        "execution_id, hold values of at most about 2 700 bytes",
    );
  }
  return undefined;
}

/**
 * Converts an error raised while talking to PostgreSQL into the error the store reports:
 * - `@lg` errors pass through;
 * - connection failures become `StoreUnavailableError` naming `user@host:port/database`, never the password;
 * - a statement the server canceled (57014: `statement_timeout`, or `pg_cancel_backend`) becomes
 *   `StoreUnavailableError`;
 * - a missing table or schema, or a table without a column the store needs, becomes `StoreUnavailableError`
 *   telling the caller to run `setup()`; so does a relation that takes the name of the items table (42P07);
 * - data the server refuses (SQLSTATE classes 22, 23 and 54) becomes `InvalidArgumentError`, or
 *   `CheckpointConflictError` for a unique or exclusion violation while `saving`;
 * - anything else (permissions …) is returned unchanged.
 */
export function toStoreError(error: unknown, target: ServerTarget, table: string, saving?: SaveTarget): unknown {
  if (error instanceof LgError) return error;
  const code = codeOf(error);
  if (code === undefined) return error;
  if (isConnectionError(error)) {
    const cause = redactedCause(error, target);
    return new StoreUnavailableError(
      redact(
        `PostgreSQL at ${target.label} is unavailable: ${messageOf(error)} (${code}). ` +
          "Check that the server is running and reachable and that the connection string is right; " +
          "the next call reconnects.",
        target,
      ),
      { cause },
    );
  }
  if (code === "57014") {
    return new StoreUnavailableError(
      redact(
        `PostgreSQL at ${target.label} canceled the statement: ${messageOf(error)} (57014). A statement that ran ` +
          "into statement_timeout (the store's commandTimeoutMs) waited for a lock or a slow disk; find what holds " +
          "it, or raise commandTimeoutMs.",
        target,
      ),
      { cause: redactedCause(error, target) },
    );
  }
  if (code === "42P01" || code === "3F000") {
    return new StoreUnavailableError(
      redact(`checkpoint table ${table} does not exist at ${target.label}: run \`await store.setup()\` first`, target),
      { cause: redactedCause(error, target) },
    );
  }
  if (code === "42703") {
    return new StoreUnavailableError(
      redact(
        `checkpoint table ${table} at ${target.label} lacks a column of this release (${messageOf(error)}): ` +
          "run `await store.setup()` to apply the pending migrations",
        target,
      ),
      { cause: redactedCause(error, target) },
    );
  }
  // 42P07: setup() creates the items table of incremental checkpoints (`<table>_items`) and its index; a relation of
  // that name made by someone else is not written into.
  if (code === "42P07") {
    return new StoreUnavailableError(
      redact(
        `setup() cannot create what checkpoint table ${table} needs at ${target.label}: ${messageOf(error)} (42P07). ` +
          "Rename that relation (the store's items table is named after its table, with the suffix _items).",
        target,
      ),
      { cause: redactedCause(error, target) },
    );
  }
  // 42883: no operator for a column's type (a column retyped underneath the store, e.g. version to text).
  if (code === "42883") {
    return new StoreUnavailableError(
      redact(
        `checkpoint table ${table} at ${target.label} has a column of another type than this release writes ` +
          `(${messageOf(error)}): it was changed outside the store; restore the table from a backup`,
        target,
      ),
      { cause: redactedCause(error, target) },
    );
  }
  return refusedData(error, code, saving) ?? error;
}

// The driver's own error is kept as the cause, with its message scrubbed as well, so that logging the whole
// chain (`util.inspect`, error reporters that walk `cause`) cannot leak the password either.
function redactedCause(error: unknown, target: ServerTarget): unknown {
  if (error instanceof Error) {
    const clean = redact(error.message, target);
    const stack = error.stack === undefined ? undefined : redact(error.stack, target);
    if (clean !== error.message || stack !== error.stack) {
      try {
        error.message = clean;
        error.stack = stack;
      } catch {
        return new Error(clean);
      }
    }
  }
  return error;
}
