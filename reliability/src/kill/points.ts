import { FINAL_VERSION } from "./graph.js";
import type { Random } from "./prng.js";

/**
 * Where a process is killed:
 * - `node`: inside `count`, after its work, before it returns (the step is not committed);
 * - `before-save`: the step's checkpoint is ready and its save not yet issued;
 * - `inside-save`: the save was issued and has not resolved (the child kills itself while it is in flight);
 * - `after-save`: the save resolved, nothing after it has run;
 * - `wall-clock`: the driver kills the child at a random delay after it started running the graph. So that a late
 *   kill cannot find the execution finished (and the kills planned after it with nothing left to kill), the child
 *   waits before the save that would leave the kill's span, and is killed there if the delay runs out so late.
 */
export type KillKind = "node" | "before-save" | "inside-save" | "after-save" | "wall-clock";

/** Every kind, in the order of the figures table. */
export const KILL_KINDS: readonly KillKind[] = ["node", "before-save", "inside-save", "after-save", "wall-clock"];

/**
 * When an `inside-save` kill fires once the real save was called: at once (the driver may not have written yet),
 * on the next tick, after the event loop's next I/O poll (the request is on the wire), or 1-3 ms later — and in
 * every case no later than the save settling, before the caller sees it (then the kill's `settled` is true).
 */
export type SaveTiming = "sync" | "next-tick" | "immediate" | "timer";

/** The timings an `inside-save` kill is drawn from. */
export const SAVE_TIMINGS: readonly SaveTiming[] = ["sync", "next-tick", "immediate", "timer"];

/**
 * A point the child arms itself with: it dies there (or, for `wall-clock`, waits there for the driver's kill).
 * `at` is the version of the checkpoint concerned.
 */
export type ArmedPoint =
  | { kind: "node" | "before-save" | "after-save" | "wall-clock"; at: number }
  | { kind: "inside-save"; at: number; timing: SaveTiming; delayMs: number };

/** What the child writes down just before it kills itself (or starts waiting at a `wall-clock` point). */
export interface Hit {
  /** The point it was armed with. */
  point: ArmedPoint;
  /** For `inside-save`: whether the save's promise had settled when the kill fired. */
  settled?: boolean;
}

/**
 * One planned kill of an execution: its kind and where in the execution it falls. The run is cut into as many
 * equal spans of versions as there are kills, one kill in each, so the kills spread over the whole run.
 */
export interface PlannedKill {
  /** The kind. */
  kind: KillKind;
  /** First version of its span. */
  from: number;
  /** Last version of its span. */
  to: number;
  /** Where in the span (for `wall-clock`: how far towards the span's end, in run time), in [0, 1). */
  fraction: number;
  /** For `inside-save`. */
  timing: SaveTiming;
  /** For `inside-save` with `timer`: milliseconds, 1 to 3. */
  delayMs: number;
}

/**
 * Plans `executions × killsPerExecution` kills. The kinds are dealt evenly (each kind as often as the others, give
 * or take one) in an order fixed by `random`, so every kind is exercised on every store.
 */
export function planKills(random: Random, executions: number, killsPerExecution: number): PlannedKill[][] {
  const total = executions * killsPerExecution;
  const kinds = random.shuffle(Array.from({ length: total }, (_, i) => KILL_KINDS[i % KILL_KINDS.length] as KillKind));
  return Array.from({ length: executions }, (_, e) =>
    Array.from({ length: killsPerExecution }, (_, k): PlannedKill => {
      const from = 1 + Math.floor((k * FINAL_VERSION) / killsPerExecution);
      const to = Math.floor(((k + 1) * FINAL_VERSION) / killsPerExecution);
      return {
        kind: kinds[e * killsPerExecution + k] as KillKind,
        from,
        to,
        fraction: random.next(),
        timing: SAVE_TIMINGS[random.int(0, SAVE_TIMINGS.length - 1)] as SaveTiming,
        delayMs: random.int(1, 3),
      };
    }),
  );
}

/**
 * The point a child is armed with for `kill`, given the execution's latest stored version (0 when none): within
 * the kill's span but past what is already stored, or `undefined` when the execution is finished. A `node` kill
 * needs a step, so its version is at least 2. A `wall-clock` child waits before saving the version after its span
 * (the last version for the last span, so that the execution is never finished under a wall-clock kill).
 */
export function armPoint(kill: PlannedKill, latestVersion: number): ArmedPoint | undefined {
  const lowest = Math.max(kill.from, latestVersion + 1, kill.kind === "node" ? 2 : 1);
  if (lowest > FINAL_VERSION) return undefined;
  if (kill.kind === "wall-clock")
    return { kind: kill.kind, at: Math.min(Math.max(kill.to + 1, lowest), FINAL_VERSION) };
  const highest = Math.max(kill.to, lowest);
  const at = Math.min(FINAL_VERSION, lowest + Math.floor(kill.fraction * (highest - lowest + 1)));
  if (kill.kind === "inside-save") return { kind: kill.kind, at, timing: kill.timing, delayMs: kill.delayMs };
  return { kind: kill.kind, at };
}
