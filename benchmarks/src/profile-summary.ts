import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * Prints the self time per function of a V8 `.cpuprofile` (as written by `node --cpu-prof`), largest first:
 * `tsx src/profile-summary.ts <file.cpuprofile> [top=40]`. Functions are keyed by name, file (last three path
 * segments) and line, so the same function of a bundled `dist/` file and of its source do not merge.
 *
 * @packageDocumentation
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One line of the summary: a function and the sampled time spent in it (not in its callees). */
export interface SelfTime {
  /** `name file:line`. */
  key: string;
  /** Milliseconds. */
  ms: number;
  /** Share of all sampled time, 0–1. */
  share: number;
}

function isCpuProfile(value: unknown): value is CpuProfile {
  const v = value as Partial<CpuProfile> | null;
  return Array.isArray(v?.nodes) && Array.isArray(v?.samples) && Array.isArray(v?.timeDeltas);
}

function keyOf(frame: CallFrame): string {
  const file = frame.url.split("/").slice(-3).join("/");
  return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
}

/** Self time per function of a parsed profile, largest first. */
export function selfTimes(profile: CpuProfile): SelfTime[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byKey = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    total += micros;
    const frame = frames.get(id);
    if (frame === undefined) return;
    const key = keyOf(frame);
    byKey.set(key, (byKey.get(key) ?? 0) + micros);
  });
  return [...byKey]
    .map(([key, micros]) => ({ key, ms: micros / 1000, share: total === 0 ? 0 : micros / total }))
    .sort((a, b) => b.ms - a.ms);
}

function main(argv: readonly string[]): void {
  const [file, topText = "40"] = argv;
  const top = Number(topText);
  if (file === undefined || !Number.isInteger(top) || top < 1) {
    throw new Error("usage: tsx src/profile-summary.ts <file.cpuprofile> [top=40]");
  }
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (!isCpuProfile(parsed)) throw new Error(`${file} is not a V8 .cpuprofile (no nodes, samples, timeDeltas)`);
  const times = selfTimes(parsed);
  const totalMs = times.reduce((sum, t) => sum + t.ms, 0);
  console.log(`${file}: ${totalMs.toFixed(0)} ms sampled`);
  for (const t of times.slice(0, top)) {
    console.log(`${t.ms.toFixed(1).padStart(9)} ms ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.key}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main(process.argv.slice(2));
