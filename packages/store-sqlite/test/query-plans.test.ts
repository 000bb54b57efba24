import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { chainSql, removalSql, type ChainSql, type RemovalSql } from "../src/chain-sql.js";
import { registrySql, type RegistrySql } from "../src/registry-sql.js";
import { sqlNames, storeSql, type StoreSql } from "../src/sql.js";
import { history, makeCheckpoint, makeTempDir, type TempDir } from "./helpers.js";

/**
 * The plans SQLite chooses for the store's own statements. "SEARCH … USING INDEX idx_…" means the index narrows
 * the rows; "SCAN <table>" would be a full table scan and "USE TEMP B-TREE" a sort the index should have made
 * unnecessary.
 */
let temp: TempDir;
let db: Database.Database;
let sql: StoreSql;
let chain: ChainSql;
let removal: RemovalSql;
let registry: RegistrySql;

beforeAll(async () => {
  temp = makeTempDir();
  const store = new SqliteCheckpointStore({ path: temp.file(), tableName: "plans" });
  // Enough rows across executions that a bad plan could not hide behind a tiny table.
  for (let e = 0; e < 20; e++) for (const cp of history(`exec-${e}`, 10)) await store.save(cp);
  // And executions kept incrementally: delta rows continuing a full row, each appending an item.
  for (let e = 0; e < 20; e++) {
    let parent = makeCheckpoint({ executionId: `chat-${e}`, state: { log: [], n: 0 } });
    await store.save(parent);
    for (let version = 2; version <= 10; version++) {
      const state = parent.state as { log: string[]; n: number };
      const cp = makeCheckpoint({
        executionId: parent.executionId,
        version,
        parentId: parent.id,
        state: { log: [...state.log, `line ${version}`], n: version },
      });
      await store.save(cp, { changes: { parentId: parent.id, whole: ["n"], appended: { log: 1 } } });
      parent = cp;
    }
  }
  // Registry records of three graphs: most ended, some running, some queued; claim must not read the ended ones.
  for (let e = 0; e < 300; e++) {
    const request = { executionId: `run-${e}`, graphName: `g${e % 3}`, graphVersion: "v1", input: "{}", inputKey: "k" };
    await store.registry.enqueue(request);
  }
  const leases = await store.registry.claim({
    owner: "w",
    graphs: [{ name: "g0", version: "v1" }],
    limit: 250,
    leaseMs: 1,
  });
  for (const lease of leases.slice(0, 80)) await store.registry.release(lease, { status: "done" });
  await store.close();
  db = new Database(temp.file());
  db.exec("ANALYZE");
  sql = storeSql(sqlNames("plans"));
  chain = chainSql(sqlNames("plans"));
  removal = removalSql(sqlNames("plans"));
  registry = registrySql(sqlNames("plans"));
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

/**
 * A chain read: the checkpoints asked for come from `index`, every row of the chain by its rowid or its id's key,
 * each row's items by the items' primary key (whose order the read relies on: per channel, oldest first); no table
 * is scanned and nothing is sorted.
 */
function expectChainRead(details: string[], index: string, range: RegExp): void {
  expect(details.some((d) => d.startsWith("SEARCH plans USING") && d.includes(index) && range.test(d))).toBe(true);
  expect(details).toContain("SEARCH r USING INTEGER PRIMARY KEY (rowid=?)");
  expect(details).toContain("SEARCH p USING INDEX sqlite_autoindex_plans_1 (id=?)");
  expect(details).toContain("SEARCH i USING INDEX sqlite_autoindex_plans_items_1 (owner_id=?) LEFT-JOIN");
  expect(details.filter((d) => /^SCAN (plans|r|p|i)\b/.test(d) || d.includes("TEMP B-TREE"))).toEqual([]);
}

describe("query plans", () => {
  it("latest reads the newest checkpoint from the unique (execution_id, version) index, its chain by key", () => {
    expectChainRead(plan(chain.readLatest, "exec-1"), "idx_plans_execution_id", /\(execution_id=\?\)/);
  });

  it("load reads the checkpoint and its chain by primary key", () => {
    expectChainRead(plan(chain.readById, "some-id"), "sqlite_autoindex_plans_1", /\(id=\?\)/);
    expectChainRead(plan(chain.readAnyById, "some-id"), "sqlite_autoindex_plans_1", /\(id=\?\)/);
  });

  it.each([
    ["asc", () => chain.readListAsc],
    ["desc", () => chain.readListDesc],
    ["asc, checked", () => chain.readListAscChecked],
    ["desc, checked", () => chain.readListDescChecked],
  ])("list %s with bounds and a limit searches the index by range; chains by key", (_order, text) => {
    const range = /\(execution_id=\? AND version>\? AND version<\?\)/;
    expectChainRead(plan(text(), "exec-1", 2, 9, 3), "idx_plans_execution_id", range);
  });

  it.each([
    ["asc", () => sql.listHeadersAsc],
    ["desc", () => sql.listHeadersDesc],
  ])("listHeaders %s with bounds and a limit searches the index by range, no sort", (_order, text) => {
    const details = plan(text(), "exec-1", 2, 9, 3);
    expectIndexOnly(details);
    expect(details.join()).toMatch(/\(execution_id=\? AND version>\? AND version<\?\)/);
  });

  it.each([
    ["asc", () => sql.listPlainAsc],
    ["desc", () => sql.listPlainDesc],
  ])("listSerialized's plain read %s searches the index by range, items by key, no sort", (_order, text) => {
    const details = plan(text(), "exec-1", 2, 9, 3);
    expect(details.join()).toMatch(
      /SEARCH r USING INDEX idx_plans_execution_id \(execution_id=\? AND version>\? AND version<\?\)/,
    );
    expect(details.filter((d) => /^SCAN (plans|r)\b/.test(d) || d.includes("TEMP B-TREE"))).toEqual([]);
  });

  it("listExecutions walks the index from the cursor; only the page itself is sorted", () => {
    const details = plan(sql.listExecutions, "exec-1", 5);
    // The one sort allowed is ORDER BY over the page (at most `limit` rows), never one over the table.
    const pageSort = "USE TEMP B-TREE FOR ORDER BY";
    expectIndexOnly(details.filter((d) => d !== pageSort));
    expect(details.filter((d) => d.includes("TEMP B-TREE") && d !== pageSort)).toEqual([]);
    expect(details.join()).toMatch(/\(execution_id>\?\)/);
  });

  it("stats counts from indexes only: all rows, the hidden ones from their partial index", () => {
    const details = plan(sql.stats);
    expect(details.filter((d) => /^SCAN plans\b/.test(d) && !d.includes("COVERING INDEX"))).toEqual([]);
    expect(details).toContain("SCAN plans USING COVERING INDEX idx_plans_hidden");
  });

  it("removal reads an execution's rows by the execution index and rewrites rows and items by key", () => {
    expectIndexOnly(plan(removal.rowHeaders, "exec-1"));
    expectIndexOnly(plan(removal.repoint, "a", "exec-1", "b"));
    expectIndexOnly(plan(sql.clear, "exec-1"));
    for (const text of [removal.mergeSource, removal.deleteRow, removal.hide, sql.executionOf]) {
      expectIndexOnly(plan(text, "some-id"), "sqlite_autoindex_plans_1");
    }
    for (const text of [removal.deleteItems, removal.reownItems, removal.dropChannelItems, sql.clearItems]) {
      const params = (text.match(/\?/g) ?? []).map(() => "x");
      expect(plan(text, ...params).join()).toMatch(
        /SEARCH plans_items USING (COVERING )?INDEX sqlite_autoindex_plans_items_1 \(owner_id=\?/,
      );
    }
  });

  it("claim walks the status index (queued) and the lease-expiry index (running) in order; only its picks are sorted", () => {
    const details = plan(registry.candidates, { graphs: '[["g1","v1"]]', now: Date.now(), limit: 5 });
    expect(details).toContain("SEARCH plans_executions USING INDEX idx_plans_executions_status (status=?)");
    expect(details).toContain("SEARCH plans_executions USING INDEX idx_plans_executions_leased (lease_expires_at<?)");
    expect(details.filter((d) => /^SCAN plans_executions\b/.test(d))).toEqual([]);
    // The one sort is the final ORDER BY over at most `limit` rows of each branch.
    expect(details.filter((d) => d.includes("TEMP B-TREE"))).toEqual(["USE TEMP B-TREE FOR ORDER BY"]);
  });

  it("the registry's reads and writes find a record by its key; counts reads the status index alone", () => {
    const byKey = "USING INDEX sqlite_autoindex_plans_executions_1 (execution_id=?)";
    expect(plan(registry.select, "run-1").join()).toContain(byKey);
    expect(plan(registry.holds, "run-1", "token").join()).toContain(byKey);
    const now = Date.now();
    expect(plan(registry.take, { id: "run-1", owner: "w", token: "t", expiresAt: now, now }).join()).toContain(byKey);
    expect(plan(registry.cancel, { id: "run-1", now }).join()).toContain(byKey);
    expect(plan(registry.list, { cursor: "run-1", statuses: null, limit: 5 }).join()).toContain(
      "sqlite_autoindex_plans_executions_1 (execution_id>?)",
    );
    expect(plan(registry.counts)).toEqual(["SCAN plans_executions USING COVERING INDEX idx_plans_executions_status"]);
  });
});
