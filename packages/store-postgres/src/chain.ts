import { CheckpointCorruptError, type Checkpoint, type SerializedCheckpoint } from "@lg/core";
import { decodeCheckpoint, encodeValue, foldChain, type EncodedRowState, type JsonValue } from "@lg/core/store";
import { ChainCol } from "./chain-sql.js";
import { jsonColumn, rowHeader, rowToCheckpoint, rowToSerialized, unwrap } from "./rows.js";
import { Col } from "./sql.js";

/**
 * Reads the rows of a chain statement (`chain-sql.ts`) back into checkpoints: each row asked for is folded from its
 * chain — the rows it is read through, found among the same rows by `chain_id` — with core's `foldChain`. Every row is
 * parsed once however many listed checkpoints read through it. A row whose items differ in number from its recorded
 * counts, or a chain that does not reach a full row, is `CheckpointCorruptError`.
 *
 * @packageDocumentation
 */

/** Tag of a row that holds the whole state. */
const FULL = "full";
/** Tag of a row that holds only what its step changed. */
const DELTA = "delta";

/** One row of a chain statement. */
interface ChainRow {
  readonly row: readonly unknown[];
  readonly id: string;
  readonly version: number;
  readonly kind: string;
  readonly chainId: string | null;
  /** Parsed on first use. */
  encoded?: EncodedRowState;
}

const isRecord = (value: unknown): value is Record<string, JsonValue> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** The items of a row as `[channel, values]` pairs, checked against the counts it recorded. */
function itemsOf(row: ChainRow): [string, JsonValue[]][] {
  const countsText = row.row[ChainCol.Counts];
  const itemsText = row.row[ChainCol.Items];
  if (countsText === null || countsText === undefined) {
    if (itemsText !== null && itemsText !== undefined)
      throw new CheckpointCorruptError(row.id, "it owns items it never recorded");
    return [];
  }
  const counts = jsonColumn(countsText, row.id, "item_counts");
  if (!isRecord(counts)) throw new CheckpointCorruptError(row.id, "its item counts are not an object");
  const found = new Map<string, JsonValue[]>();
  const list = itemsText === null || itemsText === undefined ? [] : jsonColumn(itemsText, row.id, "items");
  if (!Array.isArray(list)) throw new CheckpointCorruptError(row.id, "its items are not a list");
  for (const pair of list) {
    if (!Array.isArray(pair) || typeof pair[0] !== "string" || pair.length !== 2)
      throw new CheckpointCorruptError(row.id, "an item row is malformed");
    let values = found.get(pair[0]);
    if (values === undefined) found.set(pair[0], (values = []));
    values.push(unwrap(pair[1] as JsonValue, row.id, "items"));
  }
  const pairs: [string, JsonValue[]][] = [];
  for (const [channel, count] of Object.entries(counts)) {
    const values = found.get(channel) ?? [];
    if (values.length !== count) {
      throw new CheckpointCorruptError(
        row.id,
        `it recorded ${String(count)} items of channel ${channel} and ${values.length} are stored`,
      );
    }
    found.delete(channel);
    pairs.push([channel, values]);
  }
  const [extra] = found.keys();
  if (extra !== undefined)
    throw new CheckpointCorruptError(row.id, `it owns items of channel ${extra} it never recorded`);
  return pairs;
}

/** What a row holds of the state, as `foldChain` takes it. */
function encodedOf(row: ChainRow): EncodedRowState {
  if (row.encoded !== undefined) return row.encoded;
  const state = jsonColumn(row.row[Col.State], row.id, "state");
  let encoded: EncodedRowState;
  if (row.kind === FULL) encoded = { base: state, whole: [], items: itemsOf(row) };
  else if (row.kind === DELTA) {
    // The store never writes a `$lg` channel into a delta row (such a save is stored whole): one is damage.
    if (!isRecord(state) || Object.prototype.hasOwnProperty.call(state, "$lg"))
      throw new CheckpointCorruptError(row.id, "its changed channels are not an object of channels");
    encoded = { whole: Object.entries(state), items: itemsOf(row) };
  } else throw new CheckpointCorruptError(row.id, `its kind is ${String(row.kind)}, neither full nor delta`);
  row.encoded = encoded;
  return encoded;
}

/** The rows of one chain statement, and the checkpoints they hold. */
export class ChainRows {
  private readonly byId = new Map<string, ChainRow>();
  private readonly targets: ChainRow[] = [];

  /** Indexes the rows of a chain statement. */
  constructor(rows: readonly unknown[][]) {
    for (const row of rows) {
      const chainId = row[ChainCol.ChainId];
      const entry: ChainRow = {
        row,
        id: String(row[Col.Id]),
        version: Number(row[Col.Version]),
        kind: String(row[ChainCol.Kind]),
        chainId: typeof chainId === "string" ? chainId : null,
      };
      this.byId.set(entry.id, entry);
      if (row[ChainCol.Listed] === true) this.targets.push(entry);
    }
    this.targets.sort((a, b) => a.version - b.version);
  }

  /** The checkpoints asked for, by ascending version (descending with `desc`). */
  checkpoints(desc = false): Checkpoint[] {
    return this.ordered(desc).map((row) => this.checkpoint(row));
  }

  /** `checkpoints` in `listSerialized`'s form. */
  serialized(desc = false): SerializedCheckpoint[] {
    return this.ordered(desc).map((row) => {
      if (this.isPlainFull(row)) return rowToSerialized(row.row);
      const copy = [...row.row];
      copy[Col.State] = JSON.stringify(encodeValue(this.fold(row), "state"));
      return rowToSerialized(copy);
    });
  }

  private ordered(desc: boolean): ChainRow[] {
    return desc ? [...this.targets].reverse() : this.targets;
  }

  private checkpoint(row: ChainRow): Checkpoint {
    // A full row nothing was merged into decodes as before: no fold.
    if (this.isPlainFull(row)) return rowToCheckpoint(row.row);
    const cp = decodeCheckpoint(rowHeader(row.row));
    cp.state = this.fold(row);
    return cp;
  }

  private isPlainFull(row: ChainRow): boolean {
    return row.kind === FULL && row.row[ChainCol.Counts] === null;
  }

  /** The full state of `row`, folded from the rows of its chain (oldest first). */
  private fold(row: ChainRow): unknown {
    const chain = [encodedOf(row)];
    let current = row;
    while (current.kind === DELTA) {
      const parent = current.chainId === null ? undefined : this.byId.get(current.chainId);
      // A missing link (or one that does not go back in versions) ends the chain short of a full row: foldChain
      // reports it as corrupt.
      if (parent === undefined || parent.version >= current.version) break;
      chain.push(encodedOf(parent));
      current = parent;
    }
    chain.reverse();
    return foldChain(row.id, chain);
  }
}
