import { StoreUnavailableError } from "@lg/core";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { MIGRATIONS, migrate, type Migration } from "../src/migrations.js";
import { sqlNames } from "../src/sql.js";
import { makeCheckpoint, makeTempDir, type TempDir } from "./helpers.js";

interface MigrationRecord {
  version: number;
  name: string;
  applied_at: number;
}

let temp: TempDir;

beforeEach(() => {
  temp = makeTempDir();
});

afterEach(() => {
  temp.remove();
});

function records(file: string, table = "checkpoints"): MigrationRecord[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(`SELECT version, name, applied_at FROM "${table}_migrations" ORDER BY version`)
      .all() as MigrationRecord[];
  } finally {
    db.close();
  }
}

/** A rehearsal of a later release's migration: adds a column and an index, as a real upgrade might. */
const addLabelColumn: Migration = {
  version: MIGRATIONS.length + 1,
  name: "add label column",
  up(db, names) {
    db.exec(
      `ALTER TABLE ${names.table} ADD COLUMN label TEXT; CREATE INDEX "idx_${names.tableName}_label" ON ${names.table} (label)`,
    );
  },
};

describe("schema migrations", () => {
  it("records the schema version of a new file", async () => {
    const store = new SqliteCheckpointStore({ path: temp.file() });
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    await store.close();
    expect(records(temp.file()).map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
  });

  it("re-opens an existing file without error and applies nothing twice", async () => {
    const first = new SqliteCheckpointStore({ path: temp.file() });
    const cp = makeCheckpoint();
    await first.save(cp);
    await first.close();
    const before = records(temp.file());
    const second = new SqliteCheckpointStore({ path: temp.file() });
    expect(await second.load(cp.id)).toEqual(cp);
    await second.close();
    expect(records(temp.file())).toEqual(before);
  });

  it("upgrades a file of the current schema to a later one, keeping its rows, and is idempotent", async () => {
    const store = new SqliteCheckpointStore({ path: temp.file() });
    const cp = makeCheckpoint();
    await store.save(cp);
    await store.close();

    const db = new Database(temp.file());
    const names = sqlNames("checkpoints");
    const later = MIGRATIONS.length + 1;
    expect(migrate(db, names, [...MIGRATIONS, addLabelColumn])).toBe(later);
    const applied = records(temp.file());
    expect(applied.map((r) => r.version)).toEqual([...MIGRATIONS.map((m) => m.version), later]);
    expect(migrate(db, names, [...MIGRATIONS, addLabelColumn])).toBe(later);
    expect(records(temp.file())).toEqual(applied);
    const columns = db.prepare(`SELECT name FROM pragma_table_info('checkpoints')`).pluck().all();
    expect(columns).toContain("label");
    expect(db.prepare("SELECT id FROM checkpoints").pluck().all()).toEqual([cp.id]);
    db.close();
  });

  it("rolls back a failing migration entirely: no partial change, no record", async () => {
    await new SqliteCheckpointStore({ path: temp.file() }).close();
    const failing: Migration = {
      version: MIGRATIONS.length + 1,
      name: "fails halfway",
      up(db, names) {
        db.exec(`CREATE INDEX "idx_half" ON ${names.table} (node_name)`);
        throw new Error("disk on fire");
      },
    };
    const db = new Database(temp.file());
    expect(() => migrate(db, sqlNames("checkpoints"), [...MIGRATIONS, failing])).toThrow("disk on fire");
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'idx_half'").all()).toEqual([]);
    db.close();
    expect(records(temp.file()).map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("refuses a file upgraded by a newer release", async () => {
    await new SqliteCheckpointStore({ path: temp.file() }).close();
    const db = new Database(temp.file());
    migrate(db, sqlNames("checkpoints"), [...MIGRATIONS, addLabelColumn]);
    db.close();
    expect(() => new SqliteCheckpointStore({ path: temp.file() })).toThrow(StoreUnavailableError);
    const message = new RegExp(`schema version ${MIGRATIONS.length + 1}, .* Upgrade @lg/store-sqlite`);
    expect(() => new SqliteCheckpointStore({ path: temp.file() })).toThrow(message);
  });

  it("rejects a migration list that is out of order", () => {
    const db = new Database(":memory:");
    expect(() => migrate(db, sqlNames("checkpoints"), [addLabelColumn, ...MIGRATIONS])).toThrow(/out of order/);
    db.close();
  });
});
