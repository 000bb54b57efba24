import { parseDuration, parseStoreUrl, StoreUrlError } from "../src/index.js";

describe("store URLs", () => {
  it("reads SQLite paths and the table parameter", () => {
    expect(parseStoreUrl("sqlite:./checkpoints.db")).toEqual({
      kind: "sqlite",
      path: "./checkpoints.db",
      display: "sqlite:./checkpoints.db",
    });
    expect(parseStoreUrl("sqlite:///var/lib/lg.db?table=cp")).toMatchObject({
      path: "/var/lib/lg.db",
      tableName: "cp",
    });
    expect(parseStoreUrl("sqlite:my%20file.db")).toMatchObject({ path: "my file.db" });
  });

  it("keeps the driver's parameters in a PostgreSQL URL and takes schema and table out", () => {
    const target = parseStoreUrl("postgres://app:pa%3Ass@db.local:5433/app?sslmode=disable&schema=lg&table=cp");
    expect(target).toEqual({
      kind: "postgres",
      connString: "postgres://app:pa%3Ass@db.local:5433/app?sslmode=disable",
      schema: "lg",
      tableName: "cp",
      display: "postgres://app:***@db.local:5433/app?sslmode=disable&schema=lg&table=cp",
    });
    expect(parseStoreUrl("postgresql://localhost/x")).toMatchObject({ kind: "postgres" });
  });

  it("reads Redis URLs with a prefix, and memory URLs", () => {
    expect(parseStoreUrl("redis://:pw@127.0.0.1:6379/2?prefix=app:")).toEqual({
      kind: "redis",
      url: "redis://:pw@127.0.0.1:6379/2",
      prefix: "app:",
      display: "redis://:***@127.0.0.1:6379/2?prefix=app:",
    });
    expect(parseStoreUrl("memory:")).toEqual({ kind: "memory", display: "memory:" });
    expect(parseStoreUrl("memory:shared")).toEqual({ kind: "memory", name: "shared", display: "memory:shared" });
  });

  it("refuses what it cannot use, without showing a password", () => {
    const refused = (url: string): string => {
      try {
        parseStoreUrl(url);
      } catch (error) {
        expect(error).toBeInstanceOf(StoreUrlError);
        return (error as Error).message;
      }
      throw new Error(`accepted ${url}`);
    };
    expect(refused("mongodb://u:secret@h/db")).toBe(
      'store URL "mongodb://u:***@h/db": unknown kind of store "mongodb:"; use sqlite:<file>, postgres://user@host:5432/db, redis://host:6379, or memory: (see lg-checkpoints --help)',
    );
    expect(refused("sqlite:")).toContain("no file");
    expect(refused("sqlite:a.db?schema=x")).toContain("unknown parameter schema (allowed: table)");
    expect(refused("redis://h?prefix=")).toContain("parameter prefix is empty");
    expect(refused("./checkpoints.db")).toContain("unknown kind of store;");
  });

  it("parses durations", () => {
    expect(parseDuration("7d")).toBe(7 * 86_400_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(() => parseDuration("7 days")).toThrow("is not a duration");
    expect(() => parseDuration("0h")).toThrow("is not a duration");
  });
});
