import { randomBytes } from "node:crypto";
import { CheckpointCorruptError, StoreUnavailableError } from "@lg/core";
import { createCheckpointChain } from "@lg/store-testkit";
import type postgres from "postgres";
import { adminClient, createTestStore, useTestStore } from "./helpers.js";

/**
 * Versions written underneath the store that no save writes (core keeps versions to safe integers from 1 up): every
 * read that meets the row refuses it with CheckpointCorruptError naming the checkpoint; a list never leaves it out.
 */
describe("versions written underneath the store", () => {
  const t = useTestStore();
  let admin: postgres.Sql | undefined;

  beforeAll(async () => {
    admin = await adminClient();
  });

  afterAll(async () => {
    await admin?.end();
  });

  it.each([
    ["above 2^53", "9007199254740993"],
    ["at the BIGINT maximum minus one", "9223372036854775806"],
    ["0", "0"],
    ["negative", "-4"],
  ])("a version %s makes load and list reject with CheckpointCorruptError", async (_label, version) => {
    if (admin === undefined) throw new Error("no admin connection");
    const chain = createCheckpointChain(`v-${randomBytes(4).toString("hex")}`, 3);
    for (const cp of chain) await t.store.save(cp);
    const damaged = chain[2];
    if (damaged === undefined) throw new Error("the chain has three checkpoints");
    await admin.unsafe(`UPDATE "${t.schema}".checkpoints SET version = $1::bigint WHERE id = $2`, [
      version,
      damaged.id,
    ]);
    for (const read of [
      () => t.store.load(damaged.id),
      () => t.store.list(damaged.executionId),
      () => t.store.list(damaged.executionId, { order: "desc" }),
    ]) {
      const error = await read().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CheckpointCorruptError);
      expect(error).toMatchObject({ checkpointId: damaged.id });
    }
  });

  it("a version column retyped underneath the store is StoreUnavailableError naming it, not a raw PostgresError", async () => {
    // A table of its own: the change breaks every later read of it.
    const own = await createTestStore();
    try {
      const chain = createCheckpointChain(`v-${randomBytes(4).toString("hex")}`, 2);
      for (const cp of chain) await own.store.save(cp);
      await own.db.query("ALTER TABLE checkpoints ALTER COLUMN version TYPE text");
      const error = await own.store.list(chain[0]?.executionId ?? "").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toMatch(/has a column of another type than this release writes/);
    } finally {
      await own.cleanup();
    }
  });
});
