import { CheckpointCorruptError, type Checkpoint } from "@lg/core";
import { deserializeCheckpoint, foldChain, type EncodedRowState } from "@lg/core/store";
import type { RedisKeys } from "./keys.js";
import { arrayReply } from "./replies.js";
import { CHAIN_BROKEN, CHAIN_CHANGED, CHAIN_DONE, CHAIN_MORE } from "./row-lua.js";
import { parseRow, rowStates, type StoredRow } from "./rows.js";
import type { ScriptRunner } from "./script-runner.js";
import { CHAIN } from "./scripts.js";

/**
 * Rows one chain read returns at most, and about how many bytes of state. A 1,000-step chain of 1 kB steps is one
 * call (about 2 ms of server time, measured); a longer one takes more calls, so no read holds the server for long.
 */
export const CHAIN_PAGE_ROWS = 2000;
/** See {@link CHAIN_PAGE_ROWS}. */
export const CHAIN_PAGE_BYTES = 4_000_000;

/** How often a read starts over because a row it was about to continue from changed meanwhile (a merge). */
const READ_ATTEMPTS = 50;

/** Thrown inside a read when a later call found the rows changed: the caller starts over. */
export class ChainChanged extends Error {
  constructor() {
    super("the rows being read changed meanwhile");
  }
}

/** A chain read's reply: its status and rows; `undefined` when the start row is not there. */
export interface ChainPage {
  /** `CHAIN_DONE` or `CHAIN_MORE`. */
  status: number;
  /** The rows, start row first. */
  rows: StoredRow[];
}

/** Reads a `{status, row, …}` reply (see `CHAIN`), throwing for a broken chain or a changed row. */
export function chainPage(script: string, reply: unknown, readerId: string): ChainPage {
  const items = arrayReply(script, reply);
  const status = items[0];
  if (status === CHAIN_CHANGED) throw new ChainChanged();
  if (status === CHAIN_BROKEN) {
    throw new CheckpointCorruptError(
      readerId,
      `its chain of incremental rows is broken: the row that row ${JSON.stringify(items[1])} reads through is missing`,
    );
  }
  if (status !== CHAIN_DONE && status !== CHAIN_MORE) throw new Error(`unexpected status of the ${script} script`);
  return { status, rows: items.slice(1).map((row) => parseRow(script, row)) };
}

/**
 * Reads chains of incremental rows: continues a chain read page by page (each page checking that the row it
 * continues from is unchanged) and folds a checkpoint from its rows with core's `foldChain`.
 */
export class ChainReader {
  /** Creates the reader; `refreshTtl` is the ttl reads restart ("0" for none). */
  constructor(
    private readonly scripts: ScriptRunner,
    private readonly keys: RedisKeys,
    private readonly refreshTtl: string,
  ) {}

  /**
   * Runs `read` until it completes without meeting a changed row (a merge between two of its calls), at most
   * {@link READ_ATTEMPTS} times.
   */
  async consistent<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (error) {
        if (!(error instanceof ChainChanged) || attempt >= READ_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * The rows of the checkpoint with this id (start row first, its full row last), or `undefined` when it is not
   * stored (or hidden, with `visibleOnly`). May throw {@link ChainChanged}: call it inside {@link consistent}.
   */
  async readFrom(id: string, visibleOnly: boolean): Promise<StoredRow[] | undefined> {
    const args = this.args(id, visibleOnly ? "1" : "0", this.refreshTtl, "", "");
    const reply = await this.scripts.run(CHAIN, [this.keys.checkpoint(id)], args);
    if (reply === null) return undefined;
    const page = chainPage(CHAIN.name, reply, id);
    return this.complete(page, id);
  }

  /**
   * Completes a chain whose first page is `page` (of checkpoint `readerId`): reads on from its last row, one call
   * per {@link CHAIN_PAGE_ROWS} rows, until the full row. Returns every row, start row first.
   */
  async complete(page: ChainPage, readerId: string): Promise<StoredRow[]> {
    const rows = page.rows;
    let status = page.status;
    const seen = new Set(rows.map((row) => row.id));
    while (status === CHAIN_MORE) {
      const last = rows[rows.length - 1];
      if (last?.link === undefined) throw new Error(`unexpected reply of the ${CHAIN.name} script`);
      const args = this.args(last.id, "0", "0", last.link, String(last.merged));
      const next = chainPage(
        CHAIN.name,
        await this.scripts.run(CHAIN, [this.keys.checkpoint(last.id)], args),
        readerId,
      );
      for (const row of next.rows) {
        // Links damaged by hand into a loop: stop rather than read forever.
        if (seen.has(row.id)) throw new CheckpointCorruptError(readerId, "its chain of incremental rows loops");
        seen.add(row.id);
        rows.push(row);
      }
      status = next.status;
    }
    return rows;
  }

  /**
   * The checkpoints of listed rows (each with its data), in their order, folded from rows read once: a row's chain
   * runs through the listed rows where it can, and is read on (one chain read, continuing from the listed row) where
   * it leaves them. `linkMerged[i]` is the merged count the list saw on the row `rows[i]` links to: a row read by an
   * earlier call that has changed since (a merge) makes the list start over ({@link ChainChanged}).
   */
  async foldListed(rows: readonly StoredRow[], linkMerged: readonly number[]): Promise<Checkpoint[]> {
    const byId = new Map<string, StoredRow>();
    for (const row of rows) byId.set(row.id, row);
    rows.forEach((row, i) => {
      const target = row.link === undefined ? undefined : byId.get(row.link);
      if (target !== undefined && target.merged !== linkMerged[i]) throw new ChainChanged();
    });
    const out: Checkpoint[] = [];
    for (const start of rows) {
      const chain = [start];
      let row = start;
      while (row.kind === "delta") {
        const link = row.link;
        if (link === undefined) throw new CheckpointCorruptError(start.id, "a row of its chain has no link");
        let next = byId.get(link);
        if (next === undefined) {
          const read = await this.complete({ status: CHAIN_MORE, rows: [row] }, start.id);
          for (const each of read.slice(1)) byId.set(each.id, each);
          next = read[1];
          if (next === undefined) throw new CheckpointCorruptError(start.id, "its chain of incremental rows is broken");
        }
        if (chain.length > byId.size) throw new CheckpointCorruptError(start.id, "its chain of incremental rows loops");
        chain.push(next);
        row = next;
      }
      out.push(foldCheckpoint(chain));
    }
    return out;
  }

  private args(id: string, visibleOnly: string, refresh: string, link: string, merged: string): string[] {
    return [
      this.keys.prefix,
      id,
      visibleOnly,
      refresh,
      String(CHAIN_PAGE_ROWS),
      String(CHAIN_PAGE_BYTES),
      link,
      merged,
    ];
  }
}

/** The checkpoint a start row holds, its state folded from `chain` (the start row first, the full row last). */
export function foldCheckpoint(chain: readonly StoredRow[]): Checkpoint {
  const start = chain[0];
  if (start === undefined) throw new Error("a chain read returned no row");
  const checkpoint = decodeHeader(start);
  // A row of the old layout with nothing merged into it decoded its state with its data already.
  if (start.kind === "legacy" && start.merged === 0) return checkpoint;
  const states: EncodedRowState[] = [];
  for (let i = chain.length - 1; i >= 0; i--) states.push(...rowStates(chain[i] as StoredRow, start.id));
  checkpoint.state = foldChain(start.id, states);
  return checkpoint;
}

/** The checkpoint in a row's `data` (its state `null` unless the row is of the old layout), checked to carry its id. */
export function decodeHeader(row: StoredRow): Checkpoint {
  const checkpoint = deserializeCheckpoint(row.data, row.id);
  if (checkpoint.id !== row.id) {
    throw new CheckpointCorruptError(
      row.id,
      `the stored checkpoint carries another id (${JSON.stringify(checkpoint.id)})`,
    );
  }
  return checkpoint;
}
