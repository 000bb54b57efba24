import { randomBytes } from "node:crypto";
import { CheckpointConflictError, InvalidArgumentError, StoreUnavailableError, type Checkpoint } from "@lg/core";
import { createTestCheckpoint } from "@lg/store-testkit";
import { createTestStore, type TestStore } from "./helpers.js";

/**
 * Statements the server refuses for their data (SQLSTATE classes 22, 23, 54) can never succeed when repeated: they
 * are typed as the caller's problem (`InvalidArgumentError`) or a conflict, never as the store being unavailable,
 * whose message invites a retry. Each case alters a table of its own the way an operator might.
 */
describe("statements refused for their data", () => {
  let t: TestStore;

  beforeEach(async () => {
    t = await createTestStore();
  });

  afterEach(async () => {
    await t.cleanup();
  });

  const table = (): string => `"${t.schema}".checkpoints`;

  async function refusal(cp: Checkpoint): Promise<Error> {
    const error = await t.store.save(cp).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    // A conflict rightly says to reload and retry; nothing else may suggest trying the same thing again.
    if (!(error instanceof CheckpointConflictError)) {
      expect((error as Error).message).not.toMatch(/reconnect|retry|unavailable/i);
    }
    return error as Error;
  }

  it("reports a value over a limit of an index of your own (54000) as InvalidArgumentError", async () => {
    await t.db.query(`CREATE INDEX idx_own_parent ON ${table()} (parent_id)`);
    const cp = createTestCheckpoint({ executionId: "e", version: 1, parentId: randomBytes(2048).toString("hex") });
    const error = await refusal(cp);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/54000.*an index you added/s);
  });

  it("reports a value a column type refuses (class 22) as InvalidArgumentError", async () => {
    await t.db.query(`ALTER TABLE ${table()} ALTER COLUMN node_name TYPE varchar(8)`);
    const error = await refusal(createTestCheckpoint({ executionId: "e", version: 1, nodeName: "a-long-node-name" }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toContain("22001");
  });

  it("reports a row a CHECK constraint refuses (23514) as InvalidArgumentError", async () => {
    await t.db.query(`ALTER TABLE ${table()} ADD CONSTRAINT node_known CHECK (node_name <> 'forbidden')`);
    const error = await refusal(createTestCheckpoint({ executionId: "e", version: 1, nodeName: "forbidden" }));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(/node_known.*23514/s);
  });

  it("reports a unique violation the save could not decide itself (23505) as a conflict", async () => {
    // A trigger keeping an audit table with one row per node name: the second save of a node name violates it.
    await t.db.query(`CREATE TABLE "${t.schema}".audit (node_name TEXT PRIMARY KEY)`);
    await t.db.query(
      `CREATE FUNCTION "${t.schema}".audit_row() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN INSERT INTO "${t.schema}".audit VALUES (NEW.node_name); RETURN NEW; END $$`,
    );
    await t.db.query(
      `CREATE TRIGGER audit AFTER INSERT ON ${table()} FOR EACH ROW EXECUTE FUNCTION "${t.schema}".audit_row()`,
    );
    await t.store.save(createTestCheckpoint({ executionId: "e", version: 1, nodeName: "same" }));
    const error = await refusal(createTestCheckpoint({ executionId: "f", version: 3, nodeName: "same" }));
    expect(error).toBeInstanceOf(CheckpointConflictError);
    expect(error).toMatchObject({ executionId: "f", version: 3 });
    expect((error as Error).cause).toMatchObject({ code: "23505", constraint_name: "audit_pkey" });
  });
});
