// From node:timers, not the global: a test that fakes timers (jest, sinon) replaces the global setImmediate, and a run
// waiting for a faked immediate would never go on.
import { setImmediate } from "node:timers";

/**
 * How long a run may hold the event loop before it lets other work have a turn. With a store whose saves complete
 * synchronously (SQLite), every `await` of a run resolves as a microtask and a whole run would otherwise keep timers,
 * I/O callbacks, IPC messages and timer-driven cancellation waiting until it ends.
 */
const HOLD_LIMIT_MS = 5;

/** Between steps, hands the event loop one full turn once the run has held it for {@link HOLD_LIMIT_MS}. */
export class LoopTurns {
  private heldSince = performance.now();

  /** Resolves at once, or after one turn of the event loop when the run has held it long enough. */
  async between(): Promise<void> {
    if (performance.now() - this.heldSince < HOLD_LIMIT_MS) return;
    // setImmediate, not setTimeout(0), which would cost its 1 ms floor at every turn. A turn lets pending I/O callbacks
    // run; due timers run at the latest by the next turn (a run resumed from an immediate continues in the check
    // phase, and the next immediate then waits for the following iteration, whose timers phase comes first).
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.heldSince = performance.now();
  }
}
