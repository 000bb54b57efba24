import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The backends the benchmark covers. */
export const BACKENDS = ["memory", "sqlite", "postgres", "redis"] as const;

/** One of {@link BACKENDS}. */
export type BackendName = (typeof BACKENDS)[number];

/** Where the servers are, and the names private to this run (nothing shared with other users of the servers). */
export interface BackendEnv {
  /** A random tag of this run, part of every schema, key prefix and file name it creates. */
  runTag: string;
  /** PostgreSQL connection string (`POSTGRES_CONN_STRING`, default the local server's `test` database). */
  postgresUrl: string;
  /** Redis URL (from `REDIS_ADDR` `host:port`, default `127.0.0.1:6379`). */
  redisUrl: string;
  /** A temporary directory for the SQLite files, removed by {@link removeScratch}. */
  scratchDir: string;
}

/**
 * The systems measured side by side on each backend, each with its own file, schema or key prefix: the three of the
 * main workloads, and the growing-state workload's own stores (@lg, LangGraph's standard channel, LangGraph's
 * DeltaChannel), kept apart so that the bytes each one stores can be measured alone, and the place where each of
 * those warms up (removed before the measured run starts, so its rows count nowhere), and the workers workload's
 * store, shared by its worker processes.
 */
export type SystemKey =
  | "lg"
  | "langgraph"
  | "raw"
  | "growing_lg"
  | "growing_langgraph"
  | "growing_delta"
  | "growing_warmup"
  | "growing_raw"
  | "workers";

/** Reads the server addresses from the environment and creates this run's private names and scratch directory. */
export function backendEnv(): BackendEnv {
  const redisAddr = process.env.REDIS_ADDR ?? "127.0.0.1:6379";
  return {
    runTag: randomBytes(4).toString("hex"),
    postgresUrl: process.env.POSTGRES_CONN_STRING ?? "postgres://postgres@127.0.0.1:5432/test",
    redisUrl: redisAddr.includes("://") ? redisAddr : `redis://${redisAddr}`,
    scratchDir: mkdtempSync(join(tmpdir(), "lg-bench-")),
  };
}

/** The SQLite file of one system. */
export function sqlitePath(env: BackendEnv, system: SystemKey): string {
  return join(env.scratchDir, `${system}.db`);
}

/** The PostgreSQL schema of one system (each system has its own: LangGraph also names a table `checkpoints`). */
export function postgresSchema(env: BackendEnv, system: SystemKey): string {
  return `lgbench_${env.runTag}_${system}`;
}

/** The Redis key prefix of one system. */
export function redisPrefix(env: BackendEnv, system: SystemKey): string {
  return `lgbench:${env.runTag}:${system}:`;
}

/** Removes the scratch directory and the SQLite files in it. */
export function removeScratch(env: BackendEnv): void {
  rmSync(env.scratchDir, { recursive: true, force: true });
}
