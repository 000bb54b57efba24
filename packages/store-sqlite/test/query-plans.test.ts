import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { sqlNames, storeSql, type StoreSql } from "../src/sql.js";
import { history, makeTempDir, type TempDir } from "./helpers.js";

/**
 * The plans SQLite chooses for the store's own statements. "SEARCH … USING INDEX idx_…" means the index narrows
 * the rows; "SCAN <table>" would be a full table scan and "USE TEMP B-TREE" a sort the index should have made
 * unnecessary.
 */
let temp: TempDir;
let db: Database.Database;
let sql: StoreSql;

beforeAll(async () => {
  temp = makeTempDir();
  const store = new SqliteCheckpointStore({ path: temp.file(), tableName: "plans" });
  // Enough rows across executions that a bad plan could not hide behind a tiny table.
  for (let e = 0; e < 20; e++) for (const cp of history(`exec-${e}`, 10)) await store.save(cp);
  await store.close();
  db = new Database(temp.file());
  db.exec("ANALYZE");
  sql = storeSql(sqlNames("plans"));
});

afterAll(() => {
  db?.close();
  temp?.remove();
});

function plan(text: string, ...params: unknown[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as Array<{ detail: string }>).map(
    (row) => row.detail,
  );
}

function expectIndexOnly(details: string[], index = "idx_plans_execution_id"): void {
  expect(details.some((d) => d.startsWith("SEARCH plans USING") && d.includes(index))).toBe(true);
  expect(details.filter((d) => /^SCAN plans\b/.test(d) || d.includes("TEMP B-TREE"))).toEqual([]);
}

describe("query plans", () => {
  it("latest searches the unique (execution_id, version) index, no sort", () => {
    const details = plan(sql.latest, "exec-1");
    expectIndexOnly(details);
    expect(details.join()).toMatch(/idx_plans_execution_id \(execution_id=\?\)/);
  });

  it.each([
    ["asc", () => sql.listAsc],
    ["desc", () => sql.listDesc],
  ])("list %s with bounds and a limit searches the index by range, no sort", (_order, text) => {
    const details = plan(text(), "exec-1", 2, 9, 3);
    expectIndexOnly(details);
    expect(details.join()).toMatch(/\(execution_id=\? AND version>\? AND version<\?\)/);
  });

  it("listExecutions walks the index from the cursor; only the page itself is sorted", () => {
    const details = plan(sql.listExecutions, "exec-1", 5);
    // The one sort allowed is ORDER BY over the page (at most `limit` rows), never one over the table.
    const pageSort = "USE TEMP B-TREE FOR ORDER BY";
    expectIndexOnly(details.filter((d) => d !== pageSort));
    expect(details.filter((d) => d.includes("TEMP B-TREE") && d !== pageSort)).toEqual([]);
    expect(details.join()).toMatch(/\(execution_id>\?\)/);
  });

  it("load and delete use the primary key", () => {
    expectIndexOnly(plan(sql.load, "some-id"), "sqlite_autoindex_plans_1");
    expectIndexOnly(plan(sql.deleteById, "some-id"), "sqlite_autoindex_plans_1");
  });

  it("clear and prune search the execution index", () => {
    expectIndexOnly(plan(sql.clear, "exec-1"));
    const prune = plan(sql.prune, { executionId: "exec-1", keepOffset: 2, cutoff: 0, protect: "[]" });
    expectIndexOnly(prune);
    expect(prune.join()).toMatch(/\(execution_id=\? AND version<\?\)/);
  });
});
