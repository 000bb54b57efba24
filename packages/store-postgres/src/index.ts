/**
 * `@lg/store-postgres`: a PostgreSQL `CheckpointStore` for `@lg/core` on postgres.js.
 *
 * @packageDocumentation
 */
export { PostgresCheckpointStore } from "./postgres-store.js";
export { PostgresExecutionRegistry } from "./registry.js";
export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_POOL_SIZE,
  DEFAULT_SCHEMA,
  DEFAULT_TABLE_NAME,
  type PostgresClient,
  type PostgresClientOptions,
  type PostgresOptions,
} from "./options.js";
export { MIGRATIONS, type Migration, type MigrationResult } from "./migrations.js";
export { PG_JSON_TAG } from "./rows.js";
