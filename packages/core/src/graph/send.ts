// Shared by every copy of this module (the ESM and the CommonJS build may both be loaded in one process).
const SEND_BRAND = Symbol.for("@lg/core/Send");

/**
 * One task of the next super-step that runs `node` with `input` as its state argument: dynamic fan-out. Return
 * several from a router (or a node's `Command({ goto })`) to map a node over a list — documents, tool calls — and
 * let the node's updates merge through the reducers, in the order the sends were made.
 */
export class Send {
  /** The node to run. */
  readonly node: string;
  /** What the node receives instead of the graph's state. */
  readonly input: unknown;

  /** Marks sends from any copy of `@lg/core` (see {@link isSend}). */
  readonly [SEND_BRAND] = true;

  /** Creates a send; prefer {@link send}. */
  constructor(node: string, input: unknown) {
    this.node = node;
    this.input = input;
  }
}

/** `send("summarize", { doc })`: a task of the next step that runs the node with that input. */
export function send(node: string, input: unknown): Send {
  return new Send(node, input);
}

/** Whether `value` is a {@link Send}, also one made by another copy of `@lg/core` in the process. */
export function isSend(value: unknown): value is Send {
  return value instanceof Send || (typeof value === "object" && value !== null && SEND_BRAND in value);
}

/** Where a router or a `Command({ goto })` can send the run: node names and sends. */
export type Destination = string | Send;
