import type { JsonValue } from "@lg/core";
import { PG_JSON_TAG } from "../src/index.js";
import { toJsonbText, toTimestampText } from "../src/rows.js";

describe("row encoding", () => {
  it("writes timestamps as text PostgreSQL parses, for every year timestamptz holds", () => {
    expect(toTimestampText(Date.UTC(2025, 0, 2, 3, 4, 5, 6))).toBe("2025-01-02T03:04:05.006Z");
    expect(toTimestampText(Date.UTC(12345, 5, 6, 7, 8, 9, 999))).toBe("12345-06-06T07:08:09.999Z");
    const utc = (year: number, month: number, day: number): number => new Date(0).setUTCFullYear(year, month, day);
    expect(toTimestampText(utc(0, 0, 1))).toBe("0001-01-01T00:00:00.000Z BC"); // year 0 is 1 BC
    expect(toTimestampText(utc(-499, 2, 4))).toBe("0500-03-04T00:00:00.000Z BC");
  });

  it("keeps JSON that JSONB accepts as it is, including escaped backslashes before u0000", () => {
    for (const value of [
      { a: "plain" },
      { a: "tab\t\u0001" },
      { a: "\\u0000 is six characters" },
      { a: "\\\\u0000" },
    ]) {
      expect(toJsonbText(value)).toBe(JSON.stringify(value));
    }
  });

  it("wraps JSON holding NUL or an unpaired surrogate, anywhere, in the base64 wrapper", () => {
    const values: JsonValue[] = [{ a: "x\u0000" }, { ["k\u0000"]: 1 }, ["\ud800"], { a: "\\\u0000" }, "\udfff"];
    for (const value of values) {
      const wrapped = JSON.parse(toJsonbText(value)) as { $lg: string; v: string };
      expect(wrapped.$lg).toBe(PG_JSON_TAG);
      expect(JSON.parse(Buffer.from(wrapped.v, "base64").toString("utf8"))).toEqual(value);
    }
  });

  it("wraps the same text whatever order the keys came in", () => {
    const a = toJsonbText({ k: "x\u0000", n: { b: [{ d: 1, c: 2 }], a: null } });
    expect(toJsonbText({ n: { a: null, b: [{ c: 2, d: 1 }] }, k: "x\u0000" })).toBe(a);
    expect(toJsonbText({ k: "x\u0000", n: { a: null, b: [{ c: 2, d: 2 }] } })).not.toBe(a);
  });

  it("leaves well-formed surrogate pairs (emoji) unwrapped", () => {
    expect(toJsonbText({ a: "🚀" })).toBe('{"a":"🚀"}');
  });
});
