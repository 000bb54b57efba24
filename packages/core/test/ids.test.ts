import { createCheckpointId } from "../src/index.js";

describe("createCheckpointId", () => {
  it("mints RFC 9562 version 7 UUIDs", () => {
    expect(createCheckpointId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("encodes the time in the first 48 bits", () => {
    const id = createCheckpointId(Date.UTC(2030, 0, 1));
    expect(parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBeGreaterThanOrEqual(Date.UTC(2030, 0, 1));
  });

  it("is unique and sorted even when the clock stands still or steps back", () => {
    const ids: string[] = [];
    const now = Date.now() + 10_000;
    for (let i = 0; i < 5000; i++) ids.push(createCheckpointId(now));
    for (let i = 0; i < 100; i++) ids.push(createCheckpointId(now - 5000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
