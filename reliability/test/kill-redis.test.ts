import { join } from "node:path";
import { createClient } from "redis";
import { checkCampaign } from "../src/kill/outcome.js";
import { describeKillSuite } from "../src/kill/suite.js";

/**
 * SIGKILL at seeded points of a 50-step graph on Redis (a private server with `appendonly yes` and
 * `appendfsync always`): in a node, before, inside and after a save, and at a random moment; a new process resumes
 * each time. Every execution must end in the state of an uninterrupted run, with versions 1..51 and no step applied
 * twice; then the server itself is SIGKILLed and restarted from its append-only file, and all of it is still there.
 */
describeKillSuite("redis", {
  packageDir: join(__dirname, ".."),
  title:
    "Redis: every execution killed at its seeded points resumes to the uninterrupted run's state, also after the server restarts from its AOF",
  then: async (environment, outcome) => {
    const redis = environment.redis;
    if (redis === undefined) throw new Error("the Redis kill environment has no private server");
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      expect(await client.configGet("append*")).toMatchObject({ appendonly: "yes", appendfsync: "always" });
    } finally {
      client.destroy();
    }
    // What the server acknowledged to the killed clients was fsynced: it survives a SIGKILL of the server too.
    await redis.stop();
    await redis.resume();
    expect(await checkCampaign(environment, outcome.result)).toEqual([]);
  },
});
