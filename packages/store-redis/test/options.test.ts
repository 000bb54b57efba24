import { InvalidArgumentError } from "@lg/core";
import {
  RedisCheckpointStore,
  hashTagOf,
  validatePrefix,
  type RedisClusterLike,
  type RedisOptions,
} from "@lg/store-redis";

function rejects(options: RedisOptions, pattern: RegExp): void {
  let thrown: unknown;
  try {
    new RedisCheckpointStore(options);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidArgumentError);
  expect((thrown as InvalidArgumentError).code).toBe("LG_INVALID_ARGUMENT");
  expect((thrown as Error).message).toMatch(pattern);
}

/** Only its shape matters: validation must refuse it before anything is sent. */
const fakeCluster: RedisClusterLike = {
  isOpen: false,
  masters: [],
  connect: async () => undefined,
  sendCommand: async () => "OK",
};

describe("options", () => {
  it("defaults to the seed's prefix and no expiry", async () => {
    const store = new RedisCheckpointStore();
    expect(store.prefix).toBe("langgraph:");
    expect(store.ttl).toBe(0);
    expect(store.refreshOnRead).toBe(false);
    expect(store.keys.checkpoint("cp-1")).toBe("langgraph:checkpoint:cp-1");
    expect(store.keys.executionIndex("exec-1")).toBe("langgraph:execution:exec-1:checkpoints");
    expect(store.keys.executions()).toBe("langgraph:executions");
    await store.close();
  });

  it.each([
    ["an empty prefix", { prefix: "" }, /prefix must be a non-empty string/],
    ["a prefix with a space", { prefix: "my app:" }, /whitespace/],
    ["a prefix with a newline", { prefix: "a\n:" }, /whitespace/],
    ["a prefix with *", { prefix: "lg*:" }, /glob characters/],
    ["a prefix with ?", { prefix: "lg?:" }, /glob characters/],
    ["a prefix with [", { prefix: "lg[1]:" }, /glob characters/],
    ["a prefix with a backslash", { prefix: "lg\\:" }, /glob characters/],
    ["an unclosed hash tag", { prefix: "{lg:" }, /complete hash tag/],
    ["an empty hash tag", { prefix: "{}lg:" }, /complete hash tag/],
    ["a negative ttl", { ttl: -1 }, /ttl must be a non-negative integer/],
    ["a fractional ttl", { ttl: 1.5 }, /ttl must be a non-negative integer/],
    ["a negative db", { db: -1 }, /db must be a non-negative integer/],
    ["an addr without a port", { addr: "localhost" }, /addr must be "host:port"/],
    ["an addr with port 0", { addr: "localhost:0" }, /port from 1 to 65535/],
    ["an addr with port 70000", { addr: "localhost:70000" }, /port from 1 to 65535/],
    ["an unbracketed IPv6 addr", { addr: "::1:6379" }, /IPv6 as "\[::1\]:6379"/],
    ["a URL of another scheme", { url: "http://localhost:6379" }, /redis:\/\/ or rediss:\/\//],
    ["addr together with url", { addr: "a:1", url: "redis://a:1" }, /one of addr, url and client/],
    ["db together with url", { url: "redis://a:1", db: 2 }, /put them in the URL/],
    [
      "a refreshOnRead that is not a boolean",
      { refreshOnRead: "yes" as unknown as boolean },
      /refreshOnRead must be a boolean/,
    ],
    ["a client name with a space", { clientName: "my store" }, /CLIENT SETNAME/],
    ["a connect timeout of 0", { connectTimeout: 0 }, /connectTimeout must be an integer >= 1/],
  ] as [string, RedisOptions, RegExp][])("rejects %s", (_title, options, pattern) => {
    rejects(options, pattern);
  });

  it("never echoes a URL, which may hold a password, in a validation error", () => {
    rejects({ url: "http://user:s3cret@localhost:6379" }, /redis:\/\//);
    try {
      new RedisCheckpointStore({ url: "http://user:s3cret@localhost:6379" });
    } catch (error) {
      expect((error as Error).message).not.toContain("s3cret");
    }
  });

  it("accepts IPv6 and host names in addr, and hash-tagged prefixes", async () => {
    for (const options of [
      { addr: "[::1]:6379" },
      { addr: "redis.internal:6380" },
      { prefix: "{lg}:" },
      { prefix: "app/{tenant-7}:" },
    ]) {
      const store = new RedisCheckpointStore(options);
      await store.close();
    }
  });

  it("refuses a cluster client unless the prefix holds a hash tag, and says why", () => {
    rejects({ client: fakeCluster, prefix: "langgraph:" }, /hash tag.*one slot/);
    rejects({ client: fakeCluster }, /hash tag/);
    expect(() => new RedisCheckpointStore({ client: fakeCluster, prefix: "{langgraph}:" })).not.toThrow();
  });

  it("refuses connection settings next to an injected client", () => {
    rejects({ client: fakeCluster, prefix: "{lg}:", password: "x" }, /password cannot be combined with client/);
    rejects({ client: { isOpen: true } as unknown as RedisClusterLike }, /node-redis client/);
  });

  it("finds the hash tag of a prefix the way Redis Cluster does", () => {
    expect(hashTagOf("langgraph:")).toBeUndefined();
    expect(hashTagOf("{lg}:")).toBe("lg");
    expect(hashTagOf("app:{tenant}:{x}:")).toBe("tenant");
    expect(hashTagOf("a}{b}:")).toBe("b");
    expect(hashTagOf("{}x")).toBeUndefined();
    expect(validatePrefix("a}b:")).toBe("a}b:"); // a lone "}" opens nothing
  });
});
