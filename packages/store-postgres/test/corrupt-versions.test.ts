import { randomBytes } from "node:crypto";
import { CheckpointCorruptError } from "@lg/core";
import { createCheckpointChain } from "@lg/store-testkit";
import type postgres from "postgres";
import { adminClient, useTestStore } from "./helpers.js";

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
});
