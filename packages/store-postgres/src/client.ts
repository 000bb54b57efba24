import { InvalidArgumentError, messageOf, redactSecrets } from "@lg/core";
import postgres from "postgres";
import type { PostgresClient, PostgresOptions, ResolvedPostgresOptions } from "./options.js";

/**
 * Opens the store's own pool. A connection string postgres.js cannot parse raises Node's `ERR_INVALID_URL`, whose
 * `input` field holds the whole string, password included: report it as `InvalidArgumentError` with the password
 * redacted and without the original error attached.
 */
export function createClient(options: PostgresOptions, resolved: ResolvedPostgresOptions): PostgresClient {
  try {
    return postgres(options.connString as string, {
      connect_timeout: resolved.connectTimeoutMs / 1000,
      // postgres.js 3.4 loads the array-type catalog on every new connection and drops that query's promise: a
      // connection terminated or canceled during it (a failover, pg_terminate_backend, statement_timeout) became
      // an unhandledRejection, which ends a Node process. The store needs no array type from the catalog.
      fetch_types: false,
      ...options.clientOptions,
      max: resolved.poolSize,
      connection: {
        application_name: resolved.applicationName,
        // The server cancels a statement that runs too long (57014) and the connection stays usable.
        statement_timeout: resolved.commandTimeoutMs,
        ...options.clientOptions?.connection,
      },
    });
  } catch (error) {
    throw new InvalidArgumentError(
      `PostgresOptions.connString is not a valid postgres:// URL (${redactSecrets(messageOf(error))}): ` +
        redactSecrets(String(options.connString)),
    );
  }
}
