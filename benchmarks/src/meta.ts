import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

function versionOf(pkg: string): string {
  try {
    const url = new URL(`../node_modules/${pkg}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** The 1-, 5- and 15-minute load averages, rounded. */
export function loadAverages(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** The machine and the versions of everything compared. */
export function machineMeta(): Record<string, unknown> {
  const cpu = cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    versions: Object.fromEntries(
      [
        "@langchain/langgraph",
        "@langchain/langgraph-checkpoint",
        "@langchain/langgraph-checkpoint-sqlite",
        "@langchain/langgraph-checkpoint-postgres",
        "@langchain/langgraph-checkpoint-redis",
        "@langchain/core",
        "better-sqlite3",
        "postgres",
        "redis",
        "tinybench",
      ].map((pkg) => [pkg, versionOf(pkg)]),
    ),
  };
}

/** The versions the PostgreSQL and Redis servers report (for the machine description). */
export async function serverVersions(
  postgresUrl: string | undefined,
  redisUrl: string | undefined,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (postgresUrl !== undefined) {
    const { default: postgres } = await import("postgres");
    const sql = postgres(postgresUrl, { max: 1 });
    try {
      const [row] = await sql<{ server_version: string }[]>`SHOW server_version`;
      out.postgres = row?.server_version ?? "unknown";
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
  if (redisUrl !== undefined) {
    const { createClient } = await import("redis");
    const client = createClient({ url: redisUrl });
    client.on("error", () => undefined);
    await client.connect();
    try {
      const info = await client.info("server");
      out.redis = /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown";
    } finally {
      await client.close();
    }
  }
  return out;
}

/** One line describing the machine and versions, printed under the table (and pasted into the README with it). */
export function describeMachine(meta: Record<string, unknown>, servers: Record<string, string>): string {
  const versions = (meta.versions ?? {}) as Record<string, string>;
  const parts = [
    `${String(meta.cpus)} x ${String(meta.cpuModel)}, ${String(meta.memoryGiB)} GiB`,
    `Node ${String(meta.node)}`,
    servers.postgres === undefined ? undefined : `PostgreSQL ${servers.postgres.split(" ")[0] ?? ""}`,
    servers.redis === undefined ? undefined : `Redis ${servers.redis}`,
    `@langchain/langgraph ${versions["@langchain/langgraph"] ?? "?"}`,
    `checkpoint ${versions["@langchain/langgraph-checkpoint"] ?? "?"}`,
    `-sqlite ${versions["@langchain/langgraph-checkpoint-sqlite"] ?? "?"}`,
    `-postgres ${versions["@langchain/langgraph-checkpoint-postgres"] ?? "?"}`,
    `-redis ${versions["@langchain/langgraph-checkpoint-redis"] ?? "?"}`,
  ];
  return parts.filter((p): p is string => p !== undefined).join(", ");
}
