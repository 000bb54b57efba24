import { randomBytes } from "node:crypto";
import { validateIdentifier } from "@lg/core/store";

/** How a SQL server makes and drops an isolated namespace (a schema, or a database on MySQL/MariaDB). */
export interface SqlNamespaceDialect {
  /** Quotes a plain identifier: `"x"` (PostgreSQL, SQL Server, Oracle) or `` `x` `` (MySQL, MariaDB). */
  quote: (name: string) => string;
  /** The statement that creates the namespace, given its quoted name. */
  create: (quoted: string) => string;
  /** The statement that drops it with everything in it, given its quoted name. */
  drop: (quoted: string) => string;
}

/** Dialects for the common servers; pass your own {@link SqlNamespaceDialect} for any other. */
export const SQL_DIALECTS = {
  /** PostgreSQL (and CockroachDB, YugabyteDB): a schema. */
  postgres: {
    quote: (n) => `"${n}"`,
    create: (q) => `CREATE SCHEMA ${q}`,
    drop: (q) => `DROP SCHEMA IF EXISTS ${q} CASCADE`,
  },
  /** MySQL and MariaDB, where a schema is a database. */
  mysql: {
    quote: (n) => `\`${n}\``,
    create: (q) => `CREATE DATABASE ${q}`,
    drop: (q) => `DROP DATABASE IF EXISTS ${q}`,
  },
} as const satisfies Record<string, SqlNamespaceDialect>;

/** Options of {@link sqlForTests}. */
export interface SqlForTestsOptions {
  /** Runs one statement on the server with the store author's own driver and connection. */
  execute: (statement: string) => Promise<unknown>;
  /** How the server makes namespaces: `SQL_DIALECTS.postgres`, `SQL_DIALECTS.mysql` or your own. */
  dialect: SqlNamespaceDialect;
  /** Start of the namespace's name (letters, digits, `_`; default `lg_test_`). */
  prefix?: string;
}

/** A namespace of its own on a SQL server, for one test or one test file. */
export interface SqlTestNamespace {
  /** The bare name, `<prefix><random>`; give it to the store as its schema or database. */
  name: string;
  /** The name quoted for the dialect, for SQL text. */
  quoted: string;
  /** Drops the namespace with everything in it. Safe to call twice. */
  cleanup(): Promise<void>;
}

/**
 * Gives a test an isolated namespace on any SQL server a store author brings: a fresh schema (PostgreSQL) or
 * database (MySQL, MariaDB), or whatever the given dialect creates, with a random name, made and dropped through the
 * author's own `execute`. The testkit loads no driver for it.
 *
 * ```ts
 * const ns = await sqlForTests({ execute: (s) => pool.query(s), dialect: SQL_DIALECTS.mysql });
 * const store = await MariaDbStore.connect({ pool, database: ns.name });
 * await ns.cleanup();
 * ```
 */
export async function sqlForTests(options: SqlForTestsOptions): Promise<SqlTestNamespace> {
  const name = validateIdentifier(
    "sqlForTests prefix",
    `${options.prefix ?? "lg_test_"}${randomBytes(6).toString("hex")}`,
  );
  const quoted = options.dialect.quote(name);
  await options.execute(options.dialect.create(quoted));
  let dropped: Promise<void> | undefined;
  return {
    name,
    quoted,
    cleanup() {
      dropped ??= options.execute(options.dialect.drop(quoted)).then(() => undefined);
      return dropped;
    },
  };
}
