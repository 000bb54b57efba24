/**
 * How a submission's input is kept in the registry: as the JSON text `serialize` writes, for new input (a state
 * object), a resume (`null`) or a `Command` (its answer and update). It is durable before `submit` returns, so a crash
 * before the first step loses nothing.
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../errors.js";
import { deserialize, serialize } from "../serializer.js";
import { Command, isCommand } from "../graph/command.js";
import type { GraphInput } from "../graph/compiled-graph.js";

/** The stored form of a submission's input. */
type Stored =
  | { kind: "input"; value: object }
  | { kind: "resume" }
  | { kind: "command"; hasResume: boolean; resume?: unknown; update?: object; idempotencyKey?: string };

/** Encodes `invoke` input for the registry; rejects what `invoke` would refuse and what cannot be stored. */
export function encodeSubmission<S>(input: GraphInput<S>): string {
  if (input === null) return serialize({ kind: "resume" } satisfies Stored, "input");
  if (isCommand<S>(input)) {
    if (input.goto.length > 0) throw new InvalidArgumentError("a submitted Command cannot have goto");
    const stored: Stored = { kind: "command", hasResume: input.hasResume };
    if (input.hasResume) stored.resume = input.resume;
    if (input.update !== undefined) stored.update = input.update;
    if (input.idempotencyKey !== undefined) stored.idempotencyKey = input.idempotencyKey;
    return serialize(stored, "input");
  }
  if (typeof input !== "object" || Array.isArray(input))
    throw new InvalidArgumentError("submit input must be a state object, null (resume) or a Command");
  return serialize({ kind: "input", value: input } satisfies Stored, "input");
}

/** Decodes what {@link encodeSubmission} wrote back into `invoke` input. */
export function decodeSubmission<S>(text: string): GraphInput<S> {
  const stored = deserialize(text) as Stored;
  if (stored.kind === "resume") return null;
  if (stored.kind === "input") return stored.value as Partial<S>;
  const init: ConstructorParameters<typeof Command<S>>[0] = {};
  if (stored.hasResume) init.resume = stored.resume;
  if (stored.update !== undefined) init.update = stored.update as Partial<S>;
  if (stored.idempotencyKey !== undefined) init.idempotencyKey = stored.idempotencyKey;
  return new Command<S>(init);
}

/**
 * The default key of a submission: a digest of its input, followed — for a submission that continues a paused or
 * ended execution — by a digest of the key it follows, so the same answer given to two pauses in turn is two
 * submissions while a retried submission is recognised.
 */
export function defaultSubmissionKey(encoded: string, follows: string | undefined): string {
  const own = digest(encoded);
  return follows === undefined ? `auto:${own}` : `auto:${own}.${digest(follows)}`;
}

/** Whether the key `held` by a queued or running record was made for the same input as `encoded`. */
export function sameDefaultInput(held: string, encoded: string): boolean {
  return held === `auto:${digest(encoded)}` || held.startsWith(`auto:${digest(encoded)}.`);
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}
