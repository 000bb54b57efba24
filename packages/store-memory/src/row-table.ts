import {
  checkpointHeader,
  decodeCheckpoint,
  foldChain,
  mergeRows,
  planRowRemoval,
  type Checkpoint,
  type CheckpointHeader,
  type RowHeader,
} from "@lg/core/store";
import { CheckpointCorruptError } from "@lg/core";
import { ByteTally } from "./byte-tally.js";
import { SortedStringList } from "./sorted-string-list.js";
import { findByVersion, insertByVersion, removeByVersion, type StoredEntry } from "./version-index.js";

/**
 * The memory store's rows: every checkpoint (by id, and per execution sorted by version), the hidden rows that
 * change-only rows still read through, the sorted execution ids and the byte tally. Knows how to read a row back
 * into a checkpoint and how to delete checkpoints without breaking a chain (docs/incremental-checkpoints.md).
 */
export class RowTable {
  /** Every row, hidden ones included. */
  private readonly byId = new Map<string, StoredEntry>();
  /** Per execution, its checkpoints (visible rows) by ascending version; an execution without any has no key. */
  private readonly visible = new Map<string, StoredEntry[]>();
  /** Per execution, its hidden rows. */
  private readonly hidden = new Map<string, Set<StoredEntry>>();
  private hiddenCount = 0;
  readonly executionIds = new SortedStringList();
  readonly bytes = new ByteTally();

  /** The row with this id, hidden or not. */
  row(id: string): StoredEntry | undefined {
    return this.byId.get(id);
  }

  /** The execution's checkpoints by ascending version (the array itself: callers must not change it). */
  checkpointsOf(executionId: string): readonly StoredEntry[] | undefined {
    return this.visible.get(executionId);
  }

  /** Whether any row of the execution, hidden or not, holds `version`. */
  versionTaken(executionId: string, version: number): boolean {
    const entries = this.visible.get(executionId);
    if (entries !== undefined && findByVersion(entries, version) !== undefined) return true;
    for (const entry of this.hidden.get(executionId) ?? []) if (entry.version === version) return true;
    return false;
  }

  /** Adds a new checkpoint row (the caller checked its id and version are free). */
  insert(entry: StoredEntry): void {
    this.list(entry);
    this.byId.set(entry.id, entry);
    this.bytes.add(entry);
  }

  /** The checkpoint a row holds, with its full state folded from its chain, as fresh objects. */
  read(entry: StoredEntry): Checkpoint {
    const chain = [entry.row];
    let current = entry;
    // A chain never holds more rows than its execution: a longer walk means a loop in corrupt links.
    let budget = (this.visible.get(entry.executionId)?.length ?? 0) + (this.hidden.get(entry.executionId)?.size ?? 0);
    while (current.row.base === undefined) {
      const parent = current.chainParent === undefined ? undefined : this.byId.get(current.chainParent);
      if (parent === undefined || parent.executionId !== entry.executionId || --budget < 0) {
        throw new CheckpointCorruptError(entry.id, "a row its state is read through is missing");
      }
      chain.push(parent.row);
      current = parent;
    }
    chain.reverse();
    const cp = decodeCheckpoint(entry.header);
    cp.state = foldChain(entry.id, chain);
    return cp;
  }

  /** The checkpoint a row holds without its state: no chain is walked, no state decoded. */
  header(entry: StoredEntry): CheckpointHeader {
    return checkpointHeader(decodeCheckpoint(entry.header));
  }

  /**
   * Deletes the checkpoints `victims` (ids of visible rows of one execution): a row nothing reads through goes, one
   * that change-only rows still need is hidden, and hidden rows are merged into their hidden parents.
   */
  remove(executionId: string, victims: ReadonlySet<string>): void {
    const all = this.rowsOf(executionId);
    const headers: RowHeader[] = all.map((e) => ({
      id: e.id,
      parentId: e.chainParent,
      version: e.version,
      hidden: e.hidden,
    }));
    const plan = planRowRemoval(headers, victims);
    for (const { from, into } of plan.merge) {
      const source = this.byId.get(from);
      const target = this.byId.get(into);
      if (source === undefined || target === undefined) continue;
      this.bytes.remove(target);
      target.row = mergeRows(target.row, source.row);
      this.bytes.add(target);
      for (const entry of all) if (entry.chainParent === from) entry.chainParent = into;
      this.drop(source);
    }
    for (const id of plan.hide) {
      const entry = this.byId.get(id);
      if (entry === undefined || entry.hidden) continue;
      this.unlist(entry);
      this.shelve(entry);
    }
    for (const id of plan.remove) {
      const entry = this.byId.get(id);
      if (entry !== undefined) this.drop(entry);
    }
  }

  /** Makes a hidden row a checkpoint again (it was saved again with the content it holds). */
  unhide(entry: StoredEntry): void {
    if (!entry.hidden) return;
    this.unshelve(entry);
    this.list(entry);
  }

  /** Deletes every row of one execution. */
  clear(executionId: string): void {
    for (const entry of this.rowsOf(executionId)) this.drop(entry);
  }

  /** Number of checkpoints (visible rows). */
  get checkpointCount(): number {
    return this.byId.size - this.hiddenCount;
  }

  /** Number of executions with a checkpoint. */
  get executionCount(): number {
    return this.visible.size;
  }

  /** Forgets everything. */
  reset(): void {
    this.byId.clear();
    this.visible.clear();
    this.hidden.clear();
    this.hiddenCount = 0;
    this.executionIds.clear();
    this.bytes.clear();
  }

  private drop(entry: StoredEntry): void {
    this.byId.delete(entry.id);
    this.bytes.remove(entry);
    if (entry.hidden) this.unshelve(entry);
    else this.unlist(entry);
  }

  /** Every row of one execution: its checkpoints, then its hidden rows. */
  private rowsOf(executionId: string): StoredEntry[] {
    return [...(this.visible.get(executionId) ?? []), ...(this.hidden.get(executionId) ?? [])];
  }

  /** Lists a row among its execution's checkpoints (the execution's id too, for its first). */
  private list(entry: StoredEntry): void {
    let entries = this.visible.get(entry.executionId);
    if (entries === undefined) {
      entries = [];
      this.visible.set(entry.executionId, entries);
      this.executionIds.add(entry.executionId);
    }
    insertByVersion(entries, entry);
  }

  /** Keeps an unlisted row as hidden: no longer a checkpoint, still read through. */
  private shelve(entry: StoredEntry): void {
    entry.hidden = true;
    let set = this.hidden.get(entry.executionId);
    if (set === undefined) this.hidden.set(entry.executionId, (set = new Set()));
    set.add(entry);
    this.hiddenCount++;
  }

  /** Takes a row out of its execution's hidden rows. */
  private unshelve(entry: StoredEntry): void {
    entry.hidden = false;
    const set = this.hidden.get(entry.executionId);
    if (set?.delete(entry) === true) this.hiddenCount--;
    if (set?.size === 0) this.hidden.delete(entry.executionId);
  }

  private unlist(entry: StoredEntry): void {
    const entries = this.visible.get(entry.executionId);
    if (entries === undefined) return;
    removeByVersion(entries, entry.version);
    if (entries.length === 0) {
      this.visible.delete(entry.executionId);
      this.executionIds.remove(entry.executionId);
    }
  }
}
