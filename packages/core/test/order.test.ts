import { compareCodePoints } from "../src/store-entry.js";

describe("compareCodePoints", () => {
  it("orders by code point, like UTF-8 bytes", () => {
    const values = ["\u{1F600}x", "\uFF01", "a", "", "ab", "\uE000", "\uD7FF", "\u{10000}", "é"];
    const byBytes = [...values].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...values].sort(compareCodePoints)).toEqual(byBytes);
    expect(compareCodePoints("\uFF01", "\u{1F600}")).toBeLessThan(0);
    expect("\uFF01" < "\u{1F600}").toBe(false); // where JavaScript's own order differs
    expect(compareCodePoints("same", "same")).toBe(0);
  });
});
