import { InvalidArgumentError } from "../errors.js";
import type { Destination } from "./send.js";

/** What a {@link Command} carries. */
export interface CommandInit<S> {
  /** The human's answer: returned by the `interrupt(value)` call that paused the run. */
  resume?: unknown;
  /** State changes applied (through the reducers) before the run continues. */
  update?: Partial<S>;
  /**
   * Returned by a node: the node(s) and `send(node, input)` tasks to run in the next step besides the node's own
   * edges (`END` adds nothing).
   * Not accepted as `invoke` input.
   */
  goto?: Destination | readonly Destination[];
  /**
   * Makes a retry of this command's `update` a no-op once it has landed (see `UpdateStateOptions.idempotencyKey`).
   * Default: a key derived from the update and the checkpoint its chain began from.
   */
  idempotencyKey?: string;
}

// Shared by every copy of this module (the ESM and the CommonJS build may both be loaded in one process).
const COMMAND_BRAND = Symbol.for("@lg/core/Command");

/**
 * Input that resumes an execution instead of starting it: `invoke(new Command({ resume: "yes" }), { executionId })`;
 * or a node's result that also routes: `return new Command({ update: { plan }, goto: "execute" })`.
 *
 * @typeParam S - the graph's state shape.
 */
export class Command<S = Record<string, unknown>> {
  /** The human's answer to a pending `interrupt`, if any. */
  readonly resume: unknown;
  /** State changes to apply before continuing. */
  readonly update: Partial<S> | undefined;
  /** Whether a resume value was given (so `undefined` can be a real answer). */
  readonly hasResume: boolean;
  /** The update's idempotency key, when the caller gave one. */
  readonly idempotencyKey: string | undefined;
  /** Nodes and sends to run next, when a node returned this command (`[]` when none were named). */
  readonly goto: readonly Destination[];

  /** Marks commands from any copy of `@lg/core` (see {@link isCommand}). */
  readonly [COMMAND_BRAND] = true;

  /** Creates a command. */
  constructor(init: CommandInit<S> = {}) {
    if (init === null || typeof init !== "object") {
      throw new InvalidArgumentError("new Command(init) takes an object: { resume?, update?, goto?, idempotencyKey? }");
    }
    this.hasResume = Object.prototype.hasOwnProperty.call(init, "resume");
    this.resume = init.resume;
    this.update = init.update;
    this.idempotencyKey = init.idempotencyKey;
    const goto = init.goto;
    this.goto =
      goto === undefined ? [] : Array.isArray(goto) ? [...(goto as readonly Destination[])] : [goto as Destination];
  }
}

/**
 * Whether `value` is a {@link Command}, also one created by another copy of `@lg/core` in the same process (its ESM
 * and CommonJS builds loaded side by side), where `instanceof` would say no and the command would be taken for input.
 */
export function isCommand<S>(value: unknown): value is Command<S> {
  return value instanceof Command || (typeof value === "object" && value !== null && COMMAND_BRAND in value);
}
