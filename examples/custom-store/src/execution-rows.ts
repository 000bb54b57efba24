import { CheckpointCorruptError, type Checkpoint, type CheckpointHeader } from "@lg/core";
import {
  checkpointHeader,
  decodeCheckpoint,
  encodeCheckpoint,
  foldChain,
  jsonEqual,
  mergeRows,
  parseJsonColumn,
  planRowRemoval,
  sameEncodedCheckpoint,
  type EncodedCheckpoint,
  type EncodedIncrementalCheckpoint,
  type EncodedRowState,
  type JsonValue,
} from "@lg/core/store";

/** What every row of an execution file holds, whatever its format. */
interface EntryKeys {
  /** Checkpoint id. */
  id: string;
  /** Version; entries are kept sorted by it. */
  version: number;
  /** Creation time in epoch milliseconds. */
  timestamp: number;
  /** Deleted, but kept because rows below still read their state through it: no checkpoint any more. */
  hidden?: boolean;
}

/** A row as `save` writes it: the checkpoint without its state, and what the row stores of the state. */
export interface RowEntry extends EntryKeys {
  /** `encodeIncremental(cp).header`: every field but the state, encoded. */
  header: EncodedCheckpoint;
  /** The whole state (`base`), or the channels written whole and the items appended since `link`'s row. */
  row: EncodedRowState;
  /** The row this one continues (its state is read through it); absent for a full row. */
  link?: string;
}

/** A row of the first file format: the whole checkpoint as `serializeCheckpoint(cp)`, read as a full row. */
export interface TextEntry extends EntryKeys {
  /** `serializeCheckpoint(cp)`. */
  data: string;
}

/** One row inside an execution file. */
export type FileEntry = RowEntry | TextEntry;

/** The content of one execution file. */
export interface ExecutionFile {
  /** The execution id (file names are hashes, so the id is kept inside). */
  executionId: string;
  /** Its rows, hidden ones included, ascending by version. */
  entries: FileEntry[];
}

/** A row's two parts, whatever the entry's format. */
interface RowParts {
  header: EncodedCheckpoint;
  row: EncodedRowState;
}

function isPairList(value: unknown, second: (item: unknown) => boolean): boolean {
  return (
    Array.isArray(value) &&
    value.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" && second(pair[1]))
  );
}

/** Whether a stored value has the shape of an `EncodedRowState`, so merging it cannot fail half way. */
function isRowState(value: unknown): value is EncodedRowState {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const row = value as Partial<EncodedRowState>;
  return isPairList(row.whole, () => true) && isPairList(row.items, Array.isArray);
}

/** The row of checkpoint `entry` continues, if any. */
function linkOf(entry: FileEntry): string | undefined {
  return "link" in entry ? entry.link : undefined;
}

/**
 * One execution's rows, read through the incremental helpers of `@lg/core/store`: a checkpoint's state is the fold
 * of its chain (`foldChain`), deletion follows `planRowRemoval` (merge with `mergeRows`, hide, remove), and rows of
 * the first format (`data` text) read as full rows. Made per operation, over a file just read.
 */
export class ExecutionRows {
  private readonly byId: Map<string, FileEntry>;
  /** Per id, its chain merged into one full row: what `list` folds the next checkpoint from. */
  private readonly merged = new Map<string, EncodedRowState>();

  constructor(readonly file: ExecutionFile) {
    this.byId = new Map(file.entries.map((entry) => [entry.id, entry]));
  }

  /** The row with this id, hidden or not. */
  get(id: string): FileEntry | undefined {
    return this.byId.get(id);
  }

  /** The execution's checkpoints (rows not hidden), ascending by version. */
  checkpoints(): FileEntry[] {
    return this.file.entries.filter((entry) => entry.hidden !== true);
  }

  /** The newest checkpoint, or `undefined`. */
  newest(): FileEntry | undefined {
    for (let i = this.file.entries.length - 1; i >= 0; i--) {
      const entry = this.file.entries[i] as FileEntry;
      if (entry.hidden !== true) return entry;
    }
    return undefined;
  }

  /** Whether any row, hidden ones too (they still hold their version), has `version`. */
  versionTaken(version: number): boolean {
    return this.file.entries.some((entry) => entry.version === version);
  }

  /** The checkpoint of `entry`, its state folded from its chain, as fresh objects. */
  checkpoint(entry: FileEntry): Checkpoint {
    const cp = decodeCheckpoint(this.partsOf(entry, entry.id).header);
    cp.state = foldChain(entry.id, this.chainOf(entry));
    return cp;
  }

  /**
   * The checkpoints of `entries`, folded oldest first whatever their order: each one's chain then stops at the
   * previous one, already merged, so a list costs the states it returns rather than one fold from scratch each.
   */
  checkpointsOf(entries: readonly FileEntry[]): Checkpoint[] {
    const read = new Map<string, Checkpoint>();
    for (const entry of [...entries].sort((a, b) => a.version - b.version)) {
      const merged = this.chainOf(entry).reduce((older, newer) => mergeRows(older, newer));
      this.merged.set(entry.id, merged);
      const cp = decodeCheckpoint(this.partsOf(entry, entry.id).header);
      cp.state = foldChain(entry.id, [merged]);
      read.set(entry.id, cp);
    }
    return entries.map((entry) => read.get(entry.id) as Checkpoint);
  }

  /** The checkpoint of `entry` without its state: neither chain nor state is read. */
  header(entry: FileEntry): CheckpointHeader {
    return checkpointHeader(decodeCheckpoint(this.partsOf(entry, entry.id).header));
  }

  /**
   * Whether `checkpoint` (encoded as `encoded`) is what `entry` holds: the same row when both were stored the same
   * way (whole, or as the same changes), otherwise the same checkpoint once read back whole.
   */
  holds(entry: FileEntry, encoded: EncodedIncrementalCheckpoint, checkpoint: Checkpoint): boolean {
    if (
      "header" in entry &&
      (entry.link === undefined) === (encoded.row.base !== undefined) &&
      sameEncodedCheckpoint(entry.header, encoded.header) &&
      jsonEqual(entry.row as unknown as JsonValue, encoded.row as unknown as JsonValue)
    )
      return true;
    return sameEncodedCheckpoint(encodeCheckpoint(this.checkpoint(entry)), encodeCheckpoint(checkpoint));
  }

  /** Adds a new row (the caller checked that its id and version are free), keeping the version order. */
  add(entry: RowEntry): void {
    this.file.entries.push(entry);
    this.file.entries.sort((a, b) => a.version - b.version);
    this.byId.set(entry.id, entry);
  }

  /** Makes a hidden row a checkpoint again (it was saved again with the content it holds). */
  unhide(entry: FileEntry): void {
    delete entry.hidden;
  }

  /**
   * Deletes the checkpoints `victims` without breaking a chain, as `planRowRemoval` plans it: a row nothing reads
   * through goes, one that other rows continue is hidden, and a hidden row is merged into its hidden parent (its
   * children re-pointed). Returns the ids of the rows that went.
   */
  remove(victims: ReadonlySet<string>): string[] {
    const headers = this.file.entries.map((e) => ({
      id: e.id,
      parentId: linkOf(e),
      version: e.version,
      hidden: e.hidden === true,
    }));
    const plan = planRowRemoval(headers, victims);
    const gone = new Set<string>(plan.remove);
    for (const { from, into } of plan.merge) {
      const source = this.byId.get(from);
      const target = this.byId.get(into);
      if (source === undefined || target === undefined) continue;
      const parts = this.partsOf(target, into);
      const merged: RowEntry = {
        ...keysOf(target),
        header: parts.header,
        row: mergeRows(parts.row, this.partsOf(source, from).row),
      };
      const targetLink = linkOf(target);
      if (targetLink !== undefined) merged.link = targetLink;
      this.replace(target, merged);
      for (const entry of this.file.entries) if (linkOf(entry) === from) (entry as RowEntry).link = into;
      gone.add(from);
    }
    for (const id of plan.hide) {
      const entry = this.byId.get(id);
      if (entry !== undefined) entry.hidden = true;
    }
    this.file.entries = this.file.entries.filter((entry) => !gone.has(entry.id));
    for (const id of gone) this.byId.delete(id);
    this.merged.clear();
    return [...gone];
  }

  /** The rows whose fold is `entry`'s state: a full (or already merged) row first, `entry`'s own row last. */
  private chainOf(entry: FileEntry): EncodedRowState[] {
    const chain: EncodedRowState[] = [];
    let current = entry;
    // A chain never holds more rows than the file: a longer walk means a loop in damaged links.
    for (let budget = this.file.entries.length; ; budget--) {
      const known = this.merged.get(current.id);
      if (known !== undefined) {
        chain.push(known);
        break;
      }
      const { row } = this.partsOf(current, entry.id);
      chain.push(row);
      if (row.base !== undefined) break;
      const link = linkOf(current);
      const parent = link === undefined ? undefined : this.byId.get(link);
      if (parent === undefined || budget <= 0)
        throw new CheckpointCorruptError(entry.id, `row ${current.id} continues a row the file does not hold`);
      current = parent;
    }
    return chain.reverse();
  }

  /** `entry`'s header and row, checked; a damaged one throws `CheckpointCorruptError` naming `reading`. */
  private partsOf(entry: FileEntry, reading: string): RowParts {
    if ("data" in entry) {
      if (typeof entry.data !== "string") throw new CheckpointCorruptError(reading, `row ${entry.id} is damaged`);
      const encoded = parseJsonColumn(entry.data, reading, "data") as unknown as EncodedCheckpoint | null;
      if (encoded === null || typeof encoded !== "object" || encoded.id !== entry.id)
        throw new CheckpointCorruptError(reading, `row ${entry.id} does not hold its checkpoint`);
      return { header: { ...encoded, state: null }, row: { base: encoded.state, whole: [], items: [] } };
    }
    const { header, row } = entry as Partial<RowEntry>;
    if (header === null || typeof header !== "object" || header.id !== entry.id || !isRowState(row))
      throw new CheckpointCorruptError(reading, `row ${entry.id} is damaged`);
    return { header, row };
  }

  private replace(old: FileEntry, entry: RowEntry): void {
    this.file.entries[this.file.entries.indexOf(old)] = entry;
    this.byId.set(entry.id, entry);
  }
}

/** The key fields of an entry, without its stored checkpoint. */
function keysOf(entry: FileEntry): EntryKeys {
  const keys: EntryKeys = { id: entry.id, version: entry.version, timestamp: entry.timestamp };
  if (entry.hidden === true) keys.hidden = true;
  return keys;
}
