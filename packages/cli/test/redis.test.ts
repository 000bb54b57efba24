import { RedisCheckpointStore } from "@lg/store-redis";
import { redisForTests } from "@lg/store-testkit";
import { EXIT_CODES } from "../src/index.js";
import { assertBuilt, runBin } from "./helpers.js";
import { describeCliOnStore } from "./store-suite.js";

// Each test gets a key prefix of its own (redisForTests), named in the URL the binary gets.
describeCliOnStore("Redis", async () => {
  const db = await redisForTests();
  const store = new RedisCheckpointStore({ url: db.url, prefix: db.prefix });
  return {
    url: `${db.url}?prefix=${encodeURIComponent(db.prefix)}`,
    store,
    async cleanup() {
      await store.close();
      await db.cleanup();
    },
  };
});

describe("lg-checkpoints on Redis: errors", () => {
  beforeAll(assertBuilt);

  it("exits 5 for an unreachable server without printing the password", async () => {
    const result = await runBin(["stats", "-s", "redis://:r3dis-pw@127.0.0.1:1/0"]);
    expect(result.code).toBe(EXIT_CODES.unreachable);
    expect(result.stderr).toMatch(/^lg-checkpoints: .*\n$/);
    expect(result.stderr).not.toContain("r3dis-pw");
  });
});
