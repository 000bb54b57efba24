/**
 * The data every system writes, built by one set of functions so that @lg, LangGraph JS and the raw drivers store
 * the same bytes: a state `{ log: string[] }` that gains one ~200-byte entry per step.
 *
 * @packageDocumentation
 */

/** The state of every benchmark graph: an append-only log. */
export interface BenchState {
  /** One entry per node run, each {@link ENTRY_BYTES} long. */
  log: string[];
}

/** Size of one log entry in bytes (ASCII), the per-step growth of the state. */
export const ENTRY_BYTES = 200;

const FILLER = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(8);

/**
 * The log entry written by `node` at `step`: exactly {@link ENTRY_BYTES} ASCII characters, different per step so no
 * layer can deduplicate them.
 */
export function logEntry(node: string, step: number): string {
  const head = `${node}#${step}:`;
  return (head + FILLER).slice(0, ENTRY_BYTES);
}

/** The state after `steps` entries (what a checkpoint seeded for the resume and history workloads holds). */
export function stateWithEntries(steps: number, node = "seed"): BenchState {
  const log: string[] = [];
  for (let i = 0; i < steps; i++) log.push(logEntry(node, i));
  return { log };
}

/** Entries held by each seeded checkpoint in the resume and history workloads (~1 KB of state). */
export const SEEDED_ENTRIES = 5;

/** Name of the `i`-th node of the linear graph. */
export function linearNodeName(i: number): string {
  return `step_${i}`;
}

/** Name of the `i`-th parallel worker of the fan-out graph. */
export function workerName(i: number): string {
  return `worker_${i}`;
}

/** Size of one message of the growing-state workload in bytes (ASCII): a chat turn of ~1 KB. */
export const MESSAGE_BYTES = 1024;

const MESSAGE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * The message appended at `step` by the growing-state workload: exactly {@link MESSAGE_BYTES} ASCII characters of
 * pseudo-random text (seeded by the step, so every run stores the same bytes). Random rather than repeated text
 * because PostgreSQL's TOAST and any other compressing layer would otherwise shrink a repetitive state and hide how
 * much each system really writes.
 */
export function chatMessage(step: number): string {
  let x = (step + 1) * 2654435761;
  const chars: string[] = [`msg#${step}:`];
  let length = chars[0]?.length ?? 0;
  while (length < MESSAGE_BYTES) {
    // xorshift32: cheap, deterministic, and with no repeats a compressor could use within one message.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    chars.push(MESSAGE_ALPHABET[(x >>> 0) % 64] ?? "A");
    length++;
  }
  return chars.join("");
}
