import { SingleBar } from "cli-progress";
import type { OutputStream } from "./io.js";

/**
 * A progress bar on stderr, drawn only when stderr is a terminal: a redirected or piped run (CI, `2> log`) gets
 * the final summary line alone.
 *
 * @packageDocumentation
 */

/** A progress display; a no-op when stderr is not a terminal. */
export interface Progress {
  /** Sets the current value (and the total, when it became known). */
  update(value: number, total?: number): void;
  /** Removes the bar. */
  stop(): void;
}

const QUIET: Progress = { update: () => undefined, stop: () => undefined };

/**
 * Starts a bar counting `unit` (e.g. `checkpoints`, `bytes`) up to `total`; without a total the bar shows only the
 * count and the rate.
 */
export function startProgress(stream: OutputStream, unit: string, total: number | undefined): Progress {
  if (stream.isTTY !== true) return QUIET;
  const format =
    total === undefined
      ? `{value} ${unit} | {speed} ${unit}/s`
      : `{bar} {percentage}% | {value}/{total} ${unit} | {speed} ${unit}/s | eta {eta_formatted}`;
  const bar = new SingleBar({ stream, format, hideCursor: true, clearOnComplete: true, fps: 5, etaBuffer: 50 });
  const started = Date.now();
  bar.start(total ?? 0, 0, { speed: 0 });
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      const seconds = (Date.now() - started) / 1000;
      bar.update(value, { speed: seconds > 0 ? Math.round(value / seconds) : 0 });
    },
    stop() {
      bar.stop();
    },
  };
}
