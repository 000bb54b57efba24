import type { BackendName } from "./backends.js";
import type { GrowingRow, GrowingSystem, ResultRow } from "./results.js";

/** One goal of the issue checked on one backend. */
export interface GoalCheck {
  /** The goal, in words. */
  goal: string;
  /** Backend. */
  backend: BackendName;
  /** The measured figure the goal is about (a ratio or milliseconds). */
  measured: number;
  /** The target, in words (`<= 0.333`, `< 1 ms`). */
  target: string;
  /** Met, missed, or not measurable here (a missing system). */
  status: "met" | "missed" | "n/a";
}

function check(
  goal: string,
  backend: BackendName,
  measured: number | undefined,
  limit: number,
  target: string,
): GoalCheck {
  if (measured === undefined || !Number.isFinite(measured))
    return { goal, backend, measured: Number.NaN, target, status: "n/a" };
  return { goal, backend, measured, target, status: measured <= limit ? "met" : "missed" };
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

/**
 * `a / b` of two overheads, or undefined when either is not positive: an overhead is a difference of two medians,
 * and one at or below zero is noise (a busy machine), of which a ratio would claim a goal met or missed by chance.
 */
function overheadRatio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || a <= 0 || b <= 0 ? undefined : a / b;
}

/**
 * Checks the goals against the rows of one backend:
 * - per-step overhead at least 3x smaller than LangGraph JS with sync durability;
 * - save, and latest at every history length, within 1.5x of the raw driver;
 * - latest flat from the shortest to the longest history (within 1.2x);
 * - newest 20 of 10,000 under 1 ms on SQLite and 2 ms on PostgreSQL.
 */
export function checkGoals(backend: BackendName, rows: readonly ResultRow[]): GoalCheck[] {
  const mine = rows.filter((r) => r.backend === backend);
  const find = (workload: string, metricStart = ""): ResultRow[] =>
    mine.filter((r) => r.workload === workload && r.metric.startsWith(metricStart));
  const goals: GoalCheck[] = [];
  const overhead = find("linear", "per-step overhead p50")[0];
  goals.push(
    check(
      "per-step overhead p50 vs LangGraph JS (sync), @lg / LangGraph",
      backend,
      ratio(overhead?.values.lg, overhead?.values.langgraph),
      1 / 3,
      "<= 0.333 (3x better)",
    ),
  );
  const save = find("save")[0];
  goals.push(check("save vs raw driver, @lg / raw", backend, ratio(save?.values.lg, save?.values.raw), 1.5, "<= 1.5"));
  const latest = find("resume");
  const worstLatest = Math.max(...latest.map((r) => ratio(r.values.lg, r.values.raw) ?? Number.NaN));
  goals.push(check("latest vs raw driver (worst history length), @lg / raw", backend, worstLatest, 1.5, "<= 1.5"));
  const first = latest[0]?.values.lg;
  const last = latest[latest.length - 1]?.values.lg;
  goals.push(check("latest flat: longest / shortest history", backend, ratio(last, first), 1.2, "<= 1.2"));
  const limitMs = backend === "sqlite" ? 1 : backend === "postgres" ? 2 : undefined;
  if (limitMs !== undefined) {
    const history = find("history")[0];
    goals.push(check(`history page, @lg p50 in ms`, backend, history?.values.lg, limitMs, `< ${limitMs} ms`));
  }
  return goals;
}

/**
 * Checks the goals of incremental checkpoints (the growing-state workload) against the rows of one backend:
 * - @lg's per-step overhead at the last steps within 1.5x of that near step 10 (flat in state size);
 * - on SQLite and PostgreSQL, @lg's per-step overhead at the last steps at most 0.33x LangGraph's DeltaChannel's
 *   and at most 0.33x LangGraph's standard channel's;
 * - the bytes @lg stores for the execution at most 2x the bytes of the messages;
 * - @lg's latest of the finished execution within 1.5x of the raw floor reading one row with the same bytes.
 */
export function checkGrowingGoals(backend: BackendName, rows: readonly GrowingRow[]): GoalCheck[] {
  const row = (system: GrowingSystem): GrowingRow | undefined =>
    rows.find((r) => r.backend === backend && r.system === system);
  const lg = row("lg");
  if (lg === undefined) return [];
  const goals: GoalCheck[] = [
    check(
      `growing: @lg per-step overhead at step ${lg.steps} / at step ~10`,
      backend,
      overheadRatio(lg.overheadLate, lg.overheadEarly),
      1.5,
      "<= 1.5",
    ),
  ];
  if (backend === "sqlite" || backend === "postgres") {
    for (const [system, name] of [
      ["langgraphDelta", "DeltaChannel"],
      ["langgraph", "standard channel"],
    ] as const) {
      goals.push(
        check(
          `growing: per-step overhead at step ${lg.steps}, @lg / LangGraph ${name}`,
          backend,
          overheadRatio(lg.overheadLate, row(system)?.overheadLate),
          0.33,
          "<= 0.33",
        ),
      );
    }
  }
  goals.push(
    check("growing: @lg bytes stored / message bytes", backend, ratio(lg.storedBytes, lg.messageBytes), 2, "<= 2"),
    check(
      `growing: @lg latest of the ${lg.steps}-step execution / raw read of the same bytes (p50)`,
      backend,
      ratio(lg.latest?.p50, lg.rawLatest?.p50),
      1.5,
      "<= 1.5",
    ),
  );
  return goals;
}
