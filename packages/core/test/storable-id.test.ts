import { isStorableId, validateCheckpoint } from "../src/store-entry.js";
import * as main from "../src/index.js";

describe("isStorableId", () => {
  it("accepts what save accepts: any non-empty string a UTF-8 backend can carry", () => {
    for (const id of ["a", "exé-漢字-🚀", "q'\"`-%_*?[]{}:/\\", " ", "x\uFFFD"]) expect(isStorableId(id)).toBe(true);
  });

  it("refuses lone surrogates (which a UTF-8 driver turns into U+FFFD), the empty string and non-strings", () => {
    for (const id of ["x\uD800", "\uDC00x", "a\uD83D", "", 7, undefined, null]) expect(isStorableId(id)).toBe(false);
  });

  it("agrees with validateCheckpoint on ids", () => {
    const base = {
      executionId: "e",
      nodeName: "n",
      state: {},
      metadata: {},
      timestamp: new Date(0),
      version: 1,
      next: [],
    };
    expect(() => validateCheckpoint({ ...base, id: "x\uD800" })).toThrow(/lone UTF-16 surrogate/);
    expect(() => validateCheckpoint({ ...base, id: "x\uFFFD" })).not.toThrow();
  });

  it("is a store-author helper, not part of the main entry", () => {
    expect("isStorableId" in main).toBe(false);
  });
});
