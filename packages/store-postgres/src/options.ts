import { createHash } from "node:crypto";
import { InvalidArgumentError } from "@lg/core";
import { quoteSqlIdentifier } from "@lg/core/store";
import type postgres from "postgres";

/** A postgres.js client (`postgres(url, options)`), as created by the store or handed to it. */
export type PostgresClient = postgres.Sql;

/** Client options passed through to `postgres()` when the store creates its own client. */
export type PostgresClientOptions = postgres.Options<Record<string, postgres.PostgresType>>;

/**
 * Options of {@link PostgresCheckpointStore}. `connString` and `tableName` keep the names of the seed design's
 * `PostgresOptions { ConnString, TableName }`; the rest are additions.
 */
export interface PostgresOptions {
  /**
   * Connection string, e.g. `postgres://user:password@localhost:5432/app`. Required unless `sql` is given.
   * The password never appears in an error message.
   */
  connString?: string;
  /** Table holding the checkpoints (default `"checkpoints"`): letters, digits and `_`, at most 46 characters. */
  tableName?: string;
  /** Schema of the table and of its migrations table (default `"public"`); `setup()` creates it when missing. */
  schema?: string;
  /** Maximum number of connections in the pool the store creates (default 10). Ignored when `sql` is given. */
  poolSize?: number;
  /**
   * An existing postgres.js client to use instead of creating one from `connString`. The store never ends it:
   * `close()` only stops the store, and the client stays the caller's to `end()`.
   */
  sql?: PostgresClient;
  /** `application_name` of the store's connections, shown in `pg_stat_activity` (default `"lg-store-postgres"`). */
  applicationName?: string;
  /** Further postgres.js options (ssl, timeouts …) for the client the store creates. Ignored when `sql` is given. */
  clientOptions?: PostgresClientOptions;
  /** How long `setup()` waits for another process's migration run to finish, in milliseconds (default 120000). */
  migrationLockTimeoutMs?: number;
  /**
   * Milliseconds a new connection may take, TCP connect and startup handshake together, before the call fails with
   * `StoreUnavailableError` (default 5000). Ignored when `sql` is given (the client's `connect_timeout` applies).
   */
  connectTimeoutMs?: number;
  /**
   * Milliseconds one statement may run (default 10000). The server cancels it then (`statement_timeout`, set on the
   * connections the store creates); a server that does not answer at all is given one more second, after which the
   * call fails with `StoreUnavailableError` and the store's connections are dropped. `setup()` is exempt.
   */
  commandTimeoutMs?: number;
}

/** Options after defaults and validation: identifiers are checked and quoted for SQL text. */
export interface ResolvedPostgresOptions {
  /** The plain table name. */
  tableName: string;
  /** The plain schema name. */
  schema: string;
  /** `"schema"."table"`. */
  qualifiedTable: string;
  /** `"schema"."table_migrations"`. */
  qualifiedMigrationsTable: string;
  /** `"schema"."table_items"`: the items appended by incremental rows, from migration 5 on. */
  qualifiedItemsTable: string;
  /** `"schema"`. */
  quotedSchema: string;
  /** `"idx_table_execution_id"`: the unique index on `(execution_id, version)`. */
  quotedExecutionIndex: string;
  /** `"idx_table_timestamp"`. */
  quotedTimestampIndex: string;
  /** `"idx_table_id_key"`: the unique index on the key of `id` (see `keys.ts`), from migration 3 on. */
  quotedIdKeyIndex: string;
  /** `"idx_table_exec_key"`: the unique index on the key of `execution_id` and `version`, from migration 3 on. */
  quotedExecutionKeyIndex: string;
  /** `"idx_table_items_owner"`: the unique index of the items table (owner key, channel, version, idx). */
  quotedItemsOwnerIndex: string;
  /** `"schema"."table_executions"`: the execution registry, from migration 6 on. */
  qualifiedExecutionsTable: string;
  /** `"idx_table_reg_key"`: the unique index of the registry on the key of `execution_id` (see `keys.ts`). */
  quotedRegistryKeyIndex: string;
  /** `"idx_table_reg_queued"`: the registry's queued executions by `updated_at` (partial). */
  quotedRegistryQueuedIndex: string;
  /** `"idx_table_reg_expiry"`: the registry's running executions by `lease_expires_at` (partial). */
  quotedRegistryExpiryIndex: string;
  /** The LISTEN/NOTIFY channel of the registry's status changes (see {@link registryChannel}). */
  registryChannel: string;
  /** Pool size for a client the store creates. */
  poolSize: number;
  /** `application_name` for a client the store creates. */
  applicationName: string;
  /** Migration lock wait, in milliseconds. */
  migrationLockTimeoutMs: number;
  /** Connect bound for a client the store creates, in milliseconds. */
  connectTimeoutMs: number;
  /** Statement bound, in milliseconds. */
  commandTimeoutMs: number;
}

/** Default table name, as in the seed design. */
export const DEFAULT_TABLE_NAME = "checkpoints";
/** Default schema. */
export const DEFAULT_SCHEMA = "public";
/** Default pool size (postgres.js's own default). */
export const DEFAULT_POOL_SIZE = 10;
/** Default bound of a new connection (postgres.js's own is 30 s). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Default bound of one statement. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

// Postgres truncates identifiers to 63 bytes; the longest derived name, `idx_<table>_items_owner`, adds 16 (and
// `idx_<table>_execution_id` 17).
const MAX_TABLE_NAME_LENGTH = 46;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`PostgresOptions.${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

// PostgreSQL's longest channel name (an identifier: NAMEDATALEN - 1 bytes).
const MAX_CHANNEL_BYTES = 63;

/**
 * The NOTIFY channel of a registry: `<schema>.<table>_executions`, so that stores of the same table name in other
 * schemas of the database do not wake each other; when that is longer than PostgreSQL's 63-byte identifiers,
 * `lg_executions_` and a digest of it. Schema and table are validated identifiers (ASCII), so they need no quoting
 * inside a string literal.
 */
export function registryChannel(schema: string, tableName: string): string {
  const name = `${schema}.${tableName}_executions`;
  if (name.length <= MAX_CHANNEL_BYTES) return name;
  return `lg_executions_${createHash("sha256").update(name).digest("hex").slice(0, 32)}`;
}

/** Applies defaults and validates {@link PostgresOptions}; throws `InvalidArgumentError` naming the bad option. */
export function resolveOptions(options: PostgresOptions): ResolvedPostgresOptions {
  if (options === null || typeof options !== "object") {
    throw new InvalidArgumentError("PostgresOptions must be an object with connString or sql");
  }
  if (options.sql === undefined && (typeof options.connString !== "string" || options.connString.length === 0)) {
    throw new InvalidArgumentError("PostgresOptions needs connString (postgres://user:password@host:5432/db) or sql");
  }
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const quotedTable = quoteSqlIdentifier("PostgresOptions.tableName", tableName);
  const quotedSchema = quoteSqlIdentifier("PostgresOptions.schema", schema);
  if (tableName.length > MAX_TABLE_NAME_LENGTH) {
    throw new InvalidArgumentError(
      `PostgresOptions.tableName must be at most ${MAX_TABLE_NAME_LENGTH} characters so that the names of its ` +
        `indexes fit PostgreSQL's 63-byte limit, got ${tableName.length}`,
    );
  }
  const applicationName = options.applicationName ?? "lg-store-postgres";
  if (typeof applicationName !== "string") {
    throw new InvalidArgumentError("PostgresOptions.applicationName must be a string");
  }
  return {
    tableName,
    qualifiedExecutionsTable: `${quotedSchema}."${tableName}_executions"`,
    quotedRegistryKeyIndex: `"idx_${tableName}_reg_key"`,
    quotedRegistryQueuedIndex: `"idx_${tableName}_reg_queued"`,
    quotedRegistryExpiryIndex: `"idx_${tableName}_reg_expiry"`,
    registryChannel: registryChannel(schema, tableName),
    schema,
    qualifiedTable: `${quotedSchema}.${quotedTable}`,
    qualifiedMigrationsTable: `${quotedSchema}."${tableName}_migrations"`,
    qualifiedItemsTable: `${quotedSchema}."${tableName}_items"`,
    quotedSchema,
    quotedExecutionIndex: `"idx_${tableName}_execution_id"`,
    quotedTimestampIndex: `"idx_${tableName}_timestamp"`,
    quotedIdKeyIndex: `"idx_${tableName}_id_key"`,
    quotedExecutionKeyIndex: `"idx_${tableName}_exec_key"`,
    quotedItemsOwnerIndex: `"idx_${tableName}_items_owner"`,
    poolSize: positiveInteger("poolSize", options.poolSize, DEFAULT_POOL_SIZE),
    applicationName,
    migrationLockTimeoutMs: positiveInteger("migrationLockTimeoutMs", options.migrationLockTimeoutMs, 120_000),
    connectTimeoutMs: positiveInteger("connectTimeoutMs", options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    commandTimeoutMs: positiveInteger("commandTimeoutMs", options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS),
  };
}
