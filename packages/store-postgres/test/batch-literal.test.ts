import { createTestCheckpoint, uniqueId } from "@lg/store-testkit";
import { arrayLiteral } from "../src/batch.js";
import { useTestStore } from "./helpers.js";

/**
 * saveMany sends each column of a batch as one PostgreSQL array literal (the store's client loads no array types):
 * every character a text may hold must come back as it went in.
 */

const scope = useTestStore();

it("writes texts quoted and escaped, NULL bare and numbers plain", () => {
  expect(arrayLiteral(["a", 'b"c', "d\\e", null, 7])).toBe('{"a","b\\"c","d\\\\e",NULL,7}');
  expect(arrayLiteral([])).toBe("{}");
});

it("saveMany round-trips ids, nodes and metadata holding the characters array literals treat specially", async () => {
  const executionId = `${uniqueId("batch")} {"x",\\y} NULL`;
  const awkward = ['"', "\\", "{", "}", ",", " lead and trail ", "NULL", "null", "é 中 😀", '\\"{,}'];
  const checkpoints = awkward.map((text, index) =>
    createTestCheckpoint({
      executionId,
      version: index + 1,
      id: `${uniqueId("cp")}${text}`,
      nodeName: text,
      metadata: { text },
    }),
  );
  await scope.store.saveMany(checkpoints);
  const stored = await scope.store.list(executionId);
  expect(stored.map((cp) => [cp.id, cp.nodeName, cp.metadata])).toEqual(
    checkpoints.map((cp) => [cp.id, cp.nodeName, cp.metadata]),
  );
});
