/**
 * Checks of the registry's arguments, shared by every store so that a bad argument fails the same way on each
 * (`InvalidArgumentError` naming it), before anything reaches the backend.
 */
import { randomBytes } from "node:crypto";
import { InvalidArgumentError } from "./errors.js";
import {
  EXECUTION_STATUSES,
  type ClaimRequest,
  type EnqueueRequest,
  type ExecutionStatus,
  type LeaseFence,
  type ListRecordsOptions,
  type ReleaseOutcome,
} from "./registry.js";
import { assertNonEmptyString, isStorableId } from "./validate.js";

/** The longest lease a registry grants: a day (a longer one would only hide a stuck worker). */
export const MAX_LEASE_MS = 86_400_000;

/** A new lease token: 128 random bits, URL-safe. */
export function mintLeaseToken(): string {
  return randomBytes(16).toString("base64url");
}

function assertId(name: string, value: unknown): asserts value is string {
  assertNonEmptyString(name, value);
  if (!isStorableId(value)) throw new InvalidArgumentError(`${name} contains a lone UTF-16 surrogate`);
}

function assertObject(name: string, value: unknown): void {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new InvalidArgumentError(`${name} must be an object`);
}

/** Checks an {@link EnqueueRequest}. */
export function validateEnqueueRequest(request: EnqueueRequest): void {
  assertObject("enqueue request", request);
  assertId("executionId", request.executionId);
  assertNonEmptyString("graphName", request.graphName);
  assertNonEmptyString("graphVersion", request.graphVersion);
  if (typeof request.input !== "string")
    throw new InvalidArgumentError("input must be the JSON text serialize() writes");
  assertNonEmptyString("inputKey", request.inputKey);
}

/** Checks a lease length in milliseconds: a positive integer up to {@link MAX_LEASE_MS}. */
export function validateLeaseMs(leaseMs: unknown): asserts leaseMs is number {
  if (typeof leaseMs !== "number" || !Number.isSafeInteger(leaseMs) || leaseMs < 1 || leaseMs > MAX_LEASE_MS)
    throw new InvalidArgumentError(`leaseMs must be an integer from 1 to ${MAX_LEASE_MS}, got ${String(leaseMs)}`);
}

/** Checks a {@link ClaimRequest}. */
export function validateClaimRequest(request: ClaimRequest): void {
  assertObject("claim request", request);
  assertNonEmptyString("owner", request.owner);
  if (!Array.isArray(request.graphs)) throw new InvalidArgumentError("graphs must be an array of { name, version }");
  for (const graph of request.graphs) {
    assertObject("each served graph", graph);
    assertNonEmptyString("graph name", graph.name);
    assertNonEmptyString("graph version", graph.version);
  }
  if (typeof request.limit !== "number" || !Number.isSafeInteger(request.limit) || request.limit < 1)
    throw new InvalidArgumentError(`claim limit must be a positive integer, got ${String(request.limit)}`);
  validateLeaseMs(request.leaseMs);
}

/** Checks a {@link LeaseFence}. */
export function validateLeaseFence(fence: LeaseFence): void {
  assertObject("lease", fence);
  assertId("lease executionId", fence.executionId);
  assertNonEmptyString("lease token", fence.token);
}

/** Checks a {@link ReleaseOutcome}. */
export function validateReleaseOutcome(outcome: ReleaseOutcome): void {
  assertObject("release outcome", outcome);
  const status: unknown = outcome.status;
  if (!isStatus(status) || status === "running")
    throw new InvalidArgumentError(
      `release status must be queued, paused, done, failed or cancelled, got ${String(status)}`,
    );
  if (outcome.error !== undefined && typeof outcome.error !== "string")
    throw new InvalidArgumentError("release error must be a string");
}

/** Checks {@link ListRecordsOptions} and returns the statuses asked for (`undefined`: all). */
export function validateListRecordsOptions(options: ListRecordsOptions | undefined): ExecutionStatus[] | undefined {
  if (options === undefined) return undefined;
  assertObject("list options", options);
  if (
    options.limit !== undefined &&
    (typeof options.limit !== "number" || !Number.isSafeInteger(options.limit) || options.limit < 1)
  )
    throw new InvalidArgumentError(`list option limit must be a positive integer, got ${String(options.limit)}`);
  if (options.cursor !== undefined && typeof options.cursor !== "string")
    throw new InvalidArgumentError("list option cursor must be the nextCursor string of a previous page");
  if (options.status === undefined) return undefined;
  const statuses: unknown[] = typeof options.status === "string" ? [options.status] : [...options.status];
  for (const status of statuses) {
    if (!isStatus(status))
      throw new InvalidArgumentError(
        `unknown execution status ${String(status)}; one of ${EXECUTION_STATUSES.join(", ")}`,
      );
  }
  return statuses as ExecutionStatus[];
}

/** Whether `value` is an {@link ExecutionStatus}. */
export function isStatus(value: unknown): value is ExecutionStatus {
  return typeof value === "string" && (EXECUTION_STATUSES as readonly string[]).includes(value);
}

/** Counts with every status at zero, to fill in. */
export function zeroCounts(): Record<ExecutionStatus, number> {
  return { queued: 0, running: 0, paused: 0, done: 0, failed: 0, cancelled: 0 };
}
