import { InvalidArgumentError } from "@lg/core";
import postgres from "postgres";
import { postgresForTests, sqlForTests, SQL_DIALECTS, type PostgresTestDatabase } from "../src/index.js";

// sqlForTests on the local PostgreSQL through postgres.js, as a store author with their own driver would use it.
let server: PostgresTestDatabase;
let sql: postgres.Sql;
beforeAll(async () => {
  server = await postgresForTests();
  sql = postgres(server.url, { max: 1, onnotice: () => undefined });
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await server?.cleanup();
});

const execute = (statement: string): Promise<unknown> => sql.unsafe(statement);

async function schemaExists(name: string): Promise<boolean> {
  return (await sql`SELECT 1 FROM pg_namespace WHERE nspname = ${name}`).length === 1;
}

describe("sqlForTests", () => {
  it("creates a namespace of its own, usable by the store, and drops it with its tables", async () => {
    const ns = await sqlForTests({ execute, dialect: SQL_DIALECTS.postgres });
    expect(ns.name).toMatch(/^lg_test_[0-9a-f]{12}$/);
    expect(ns.quoted).toBe(`"${ns.name}"`);
    expect(await schemaExists(ns.name)).toBe(true);
    await execute(`CREATE TABLE ${ns.quoted}.checkpoints (id TEXT PRIMARY KEY)`);
    await ns.cleanup();
    await ns.cleanup(); // a second cleanup is harmless
    expect(await schemaExists(ns.name)).toBe(false);
  });

  it("gives every call another namespace", async () => {
    const a = await sqlForTests({ execute, dialect: SQL_DIALECTS.postgres, prefix: "mine_" });
    const b = await sqlForTests({ execute, dialect: SQL_DIALECTS.postgres, prefix: "mine_" });
    try {
      expect(a.name).not.toBe(b.name);
      expect(a.name.startsWith("mine_")).toBe(true);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  it("refuses a prefix that is not a plain identifier, before running anything", async () => {
    const statements: string[] = [];
    const record = async (statement: string): Promise<void> => {
      statements.push(statement);
    };
    await expect(
      sqlForTests({ execute: record, dialect: SQL_DIALECTS.postgres, prefix: 'x"; DROP' }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(statements).toEqual([]);
  });

  it("speaks MySQL and MariaDB: a database, quoted with backticks", () => {
    const quoted = SQL_DIALECTS.mysql.quote("lg_test_1");
    expect([quoted, SQL_DIALECTS.mysql.create(quoted), SQL_DIALECTS.mysql.drop(quoted)]).toEqual([
      "`lg_test_1`",
      "CREATE DATABASE `lg_test_1`",
      "DROP DATABASE IF EXISTS `lg_test_1`",
    ]);
  });
});
