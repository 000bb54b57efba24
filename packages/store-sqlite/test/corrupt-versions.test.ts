import { CheckpointCorruptError } from "@lg/core";
import Database from "better-sqlite3";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { createCheckpointChain } from "@lg/store-testkit";
import { makeTempDir, type TempDir } from "./helpers.js";

/**
 * Versions written underneath the store that no save writes (core keeps versions to safe integers from 1 up): a
 * list without bounds meets the row and refuses it with CheckpointCorruptError naming the checkpoint. Before, text
 * and integers beyond 2^53 fell outside the safe-integer bounds of the list statement and were silently left out.
 */
let temp: TempDir | undefined;

beforeEach(() => {
  temp = makeTempDir();
});

afterEach(() => {
  temp?.remove();
});

it.each([
  ["stored as text", "'three'"],
  ["above 2^53", "9007199254740993"],
  ["at the 64-bit maximum", "9223372036854775807"],
  ["a real number", "3.5"],
])("a version %s makes list (either order) and load reject with CheckpointCorruptError", async (_label, value) => {
  if (temp === undefined) throw new Error("no temp dir");
  const store = new SqliteCheckpointStore({ path: temp.file() });
  try {
    const chain = createCheckpointChain("versions", 3);
    for (const cp of chain) await store.save(cp);
    const damaged = chain[1];
    if (damaged === undefined) throw new Error("the chain has three checkpoints");
    const db = new Database(temp.file());
    db.prepare(`UPDATE checkpoints SET version = ${value} WHERE id = ?`).run(damaged.id);
    db.close();
    for (const read of [
      () => store.list("versions"),
      () => store.list("versions", { order: "desc" }),
      () => store.load(damaged.id),
    ]) {
      const error = await read().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CheckpointCorruptError);
      expect(error).toMatchObject({ checkpointId: damaged.id });
    }
    // A bounded list keeps its meaning: below version 2 there is version 1 only.
    expect((await store.list("versions", { beforeVersion: 2 })).map((cp) => cp.version)).toEqual([1]);
  } finally {
    await store.close();
  }
});
