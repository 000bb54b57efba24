/** What a {@link Command} carries. */
export interface CommandInit<S> {
  /** The human's answer: returned by the `interrupt(value)` call that paused the run. */
  resume?: unknown;
  /** State changes applied (through the reducers) before the run continues. */
  update?: Partial<S>;
}

/**
 * Input that resumes an execution instead of starting it: `invoke(new Command({ resume: "yes" }), { executionId })`.
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

  /** Creates a command. */
  constructor(init: CommandInit<S> = {}) {
    this.hasResume = Object.prototype.hasOwnProperty.call(init, "resume");
    this.resume = init.resume;
    this.update = init.update;
  }
}
