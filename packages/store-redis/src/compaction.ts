import {
  encodeValue,
  foldChain,
  mergeRows,
  parseJsonColumn,
  type EncodedRowState,
  type JsonValue,
} from "@lg/core/store";
import { chainPage, ChainChanged } from "./chain-reader.js";
import { ROW_KIND, type RedisKeys } from "./keys.js";
import { rowStates, type StoredRow } from "./rows.js";
import type { ScriptRunner } from "./script-runner.js";
import { CHAIN, COMPACT } from "./scripts.js";

/**
 * Compacts rows that retention merged many rows into. A merge in Lua appends the merged row's parts as they are
 * (Lua does not parse the JSON), so a value written whole at every step would otherwise stay once per merged step;
 * once a row's merged parts outweigh its own, `delete` and `prune` name it, and this folds its parts here — with
 * core's `foldChain` into one new whole state for a full row, with `mergeRows` into one part for a delta row — and
 * writes the result back in one script that first checks nothing was merged into the row meanwhile. A row's own
 * parts then hold the fold of what it held, so the next compaction comes only when the parts have doubled it again.
 */
export class Compactor {
  /** Creates the compactor of one store. */
  constructor(
    private readonly scripts: ScriptRunner,
    private readonly keys: RedisKeys,
  ) {}

  /** Compacts the rows named by `ids` (each once); a row gone or changed meanwhile is left as it is. */
  async compact(ids: readonly string[]): Promise<void> {
    for (const id of new Set(ids)) {
      try {
        await this.compactRow(id);
      } catch (error) {
        if (!(error instanceof ChainChanged)) throw error;
      }
    }
  }

  private async compactRow(id: string): Promise<void> {
    const key = this.keys.checkpoint(id);
    // One row only: its own and merged parts, with its data (the state of a row of the old layout).
    const reply = await this.scripts.run(CHAIN, [key], [this.keys.prefix, id, "0", "0", "1", "1", "", ""]);
    if (reply === null) return;
    const row = chainPage(CHAIN.name, reply, id).rows[0];
    if (row === undefined || row.merged === 0) return;
    const args = [this.keys.prefix, id, String(row.merged), ...compacted(row)];
    await this.scripts.run(COMPACT, [key], args);
  }
}

/** The `kind, state, items, counts, data` a compacted row is written with. */
function compacted(row: StoredRow): string[] {
  const states = rowStates(row, row.id);
  if (row.kind === "delta") {
    const merged = states.reduce((older: EncodedRowState, newer) => mergeRows(older, newer));
    const counts = merged.items.map(([channel, items]) => [channel, items.length]);
    const items = merged.items.length === 0 ? "" : JSON.stringify(merged.items);
    return [ROW_KIND.delta, JSON.stringify(merged.whole), items, JSON.stringify(counts), ""];
  }
  const state = encodeValue(foldChain(row.id, states), "state");
  // A row of the old layout kept its state inside its data: the data keeps the checkpoint without it from now on.
  const data =
    row.kind === "legacy"
      ? JSON.stringify({ ...(parseJsonColumn(row.data, row.id, "data") as Record<string, JsonValue>), state: null })
      : "";
  return [ROW_KIND.full, JSON.stringify(state), "", "", data];
}
