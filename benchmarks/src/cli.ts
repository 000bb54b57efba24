import { BACKENDS, type BackendName } from "./backends.js";

/** The workloads, in the order they run. */
export const WORKLOADS = ["linear", "fanout", "save", "resume", "history", "concurrent", "growing", "workers"] as const;

/** One of {@link WORKLOADS}. */
export type WorkloadName = (typeof WORKLOADS)[number];

/** Parsed command line. */
export interface CliOptions {
  /** `--smoke`: tiny sizes, one sample each. */
  smoke: boolean;
  /** `--backends=memory,sqlite,…` (default all). */
  backends: BackendName[];
  /** `--workloads=linear,resume,…` (default all; handy when profiling one). */
  workloads: WorkloadName[];
  /** `--out=results/…json` (default `results/<full|smoke>-<timestamp>.json`). */
  out: string;
  /** `--skip-langgraph`: measure @lg and the raw floor only (for profiling @lg with `--cpu-prof`). */
  skipLangGraph: boolean;
}

function pickList<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const picked = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const name of picked) {
    if (!(allowed as readonly string[]).includes(name)) {
      throw new Error(`${flag}: unknown "${name}"; choose from ${allowed.join(", ")}`);
    }
  }
  if (picked.length === 0) throw new Error(`${flag} needs at least one of ${allowed.join(", ")}`);
  return picked as T[];
}

/**
 * Parses `--smoke`, `--backends=`, `--workloads=`, `--out=` and `--skip-langgraph` (a bare `--` is skipped); throws on
 * anything else.
 */
export function parseCli(argv: readonly string[]): CliOptions {
  let smoke = false;
  let backends: BackendName[] = [...BACKENDS];
  let workloads: WorkloadName[] = [...WORKLOADS];
  let out: string | undefined;
  let skipLangGraph = false;
  for (const arg of argv) {
    const [flag, value = ""] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    // `pnpm --filter @lg/benchmarks bench -- --smoke` hands the separator through to the script.
    if (flag === "--") continue;
    if (flag === "--smoke") smoke = true;
    else if (flag === "--backends") backends = pickList(flag, value, BACKENDS);
    else if (flag === "--workloads") workloads = pickList(flag, value, WORKLOADS);
    else if (flag === "--out" && value.length > 0) out = value;
    else if (flag === "--skip-langgraph") skipLangGraph = true;
    else
      throw new Error(`unknown argument "${arg}"; use --smoke, --backends=…, --workloads=…, --out=…, --skip-langgraph`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return { smoke, backends, workloads, skipLangGraph, out: out ?? `results/${smoke ? "smoke" : "full"}-${stamp}.json` };
}
