/** One checkpoint row as the raw floors write it: the same columns and JSON text the stores write. */
export interface RawRow {
  /** Checkpoint id. */
  id: string;
  /** Execution id. */
  executionId: string;
  /** Node name. */
  nodeName: string;
  /** `JSON.stringify(state)`. */
  state: string;
  /** `JSON.stringify(metadata)`. */
  metadata: string;
  /** Epoch milliseconds. */
  timestamp: number;
  /** Version within the execution. */
  version: number;
  /** Parent checkpoint id. */
  parentId: string | null;
  /** `JSON.stringify(next)`. */
  next: string;
}

/**
 * The physical floor of a backend: the driver alone, with the same table or key layout as the store, one
 * statement (or one script call) per operation, and JSON parsing of what is read.
 */
export interface RawDriver {
  /** Inserts one row (one round trip). */
  insert(row: RawRow): Promise<void>;
  /** Reads the newest row of an execution and parses it (one round trip); `undefined` when none. */
  latest(executionId: string): Promise<ParsedRow | undefined>;
  /** Reads the newest `limit` rows, newest first, parsing each; returns how many came back. */
  newest(executionId: string, limit: number): Promise<number>;
  /** Deletes an execution's rows. */
  clear(executionId: string): Promise<void>;
  /** Closes connections and drops what `open` created. */
  close(): Promise<void>;
}

/** A row as read back: the plain columns and the three JSON columns parsed. */
export interface ParsedRow {
  /** Checkpoint id. */
  id: unknown;
  /** Parsed state. */
  state: unknown;
  /** Parsed metadata. */
  metadata: unknown;
  /** Parsed `next`. */
  next: unknown;
  /** The other columns as the driver returned them. */
  columns: unknown[];
}

/**
 * Parses a row read as an array in `id, execution_id, node_name, state, metadata, timestamp, version, parent_id,
 * next` order, the way a store must before handing out a checkpoint (JSON text parsed, nothing shared).
 */
export function parseRow(row: readonly unknown[]): ParsedRow {
  const json = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);
  return { id: row[0], state: json(row[3]), metadata: json(row[4]), next: json(row[8]), columns: [...row] };
}
