import { appendFileSync } from "node:fs";
import type { Checkpoint, CheckpointStore } from "@lg/core";
import { forwardStore } from "@lg/core/store";
import type { ArmedPoint, Hit, SaveTiming } from "./points.js";

/**
 * Writes down where the process dies (synchronously, so the line is on disk before the kill), then SIGKILLs the
 * process itself: no exit handler, no `finally`, no flush runs, as with a power cut or the OOM killer.
 */
export function dieAt(markerFile: string, hit: Hit): never {
  appendFileSync(markerFile, `${JSON.stringify(hit)}\n`);
  process.kill(process.pid, "SIGKILL");
  // SIGKILL cannot be caught; the process is gone before this line. Throwing keeps the type `never` honest.
  throw new Error("the process survived its own SIGKILL");
}

/**
 * Writes down that the process waits at its `wall-clock` point, then waits for the driver's SIGKILL (a timer keeps
 * the event loop alive meanwhile).
 */
function holdAt(markerFile: string, hit: Hit): Promise<never> {
  appendFileSync(markerFile, `${JSON.stringify(hit)}\n`);
  return new Promise<never>(() => {
    setInterval(() => undefined, 60_000);
  });
}

/** Runs `fire` at `timing` after the current point. */
function schedule(timing: SaveTiming, delayMs: number, fire: () => void): void {
  switch (timing) {
    case "sync":
      return fire();
    case "next-tick":
      return process.nextTick(fire);
    case "immediate":
      setImmediate(fire);
      return;
    case "timer":
      setTimeout(fire, delayMs);
      return;
  }
}

/**
 * The store a child runs the graph on: the real store, except that the save of the armed version dies before it
 * is issued, while it is in flight (the real save was called, and the kill fires at its timing or, at the latest,
 * when the save settles, before the caller sees the outcome), or right after it resolved; or, at a `wall-clock` point, waits before it is issued. Other points and other versions
 * pass straight through.
 */
export function killingStore(
  inner: CheckpointStore,
  point: ArmedPoint | undefined,
  markerFile: string,
): CheckpointStore {
  if (point === undefined || point.kind === "node") return inner;
  const armed = point;
  return forwardStore(inner, {
    save: async (checkpoint: Checkpoint): Promise<void> => {
      if (checkpoint.version !== armed.at) return inner.save(checkpoint);
      if (armed.kind === "before-save") dieAt(markerFile, { point: armed });
      if (armed.kind === "wall-clock") return holdAt(markerFile, { point: armed });
      if (armed.kind === "after-save") {
        await inner.save(checkpoint);
        dieAt(markerFile, { point: armed });
      }
      if (armed.kind !== "inside-save") return inner.save(checkpoint);
      let settled = false;
      const saving = inner.save(checkpoint);
      schedule(armed.timing, armed.delayMs, () => dieAt(markerFile, { point: armed, settled }));
      // At the latest when the save resolves, before the caller sees it: a run on a synchronous driver (SQLite)
      // keeps the event loop busy with promise jobs, so a tick, an immediate or a timer would fire steps later.
      const die = (): never => {
        settled = true;
        return dieAt(markerFile, { point: armed, settled });
      };
      return saving.then(die, die);
    },
  });
}
