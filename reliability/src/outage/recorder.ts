import { formatFigures, recordFigures, type FigureRow } from "./figures.js";
import type { ScenarioResult } from "./midrun.js";

/** Collects one test file's figure rows and, at its end, merges them into the results file and prints the table. */
export class FigureRecorder {
  private readonly rows: FigureRow[] = [];

  /** Keeps the scenario's row and returns its broken expectations, for `expect(…).toEqual([])`. */
  record(result: ScenarioResult): string[] {
    this.rows.push(result.row);
    return result.problems;
  }

  /** Writes the rows to `.results/outage.json` and prints every row the file holds; nothing when none were kept. */
  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    console.log(`outage figures so far:\n${formatFigures(await recordFigures(this.rows))}`);
  }
}
