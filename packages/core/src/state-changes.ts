/**
 * The record of what one checkpoint changed relative to its parent, handed to stores that keep checkpoints
 * incrementally (see docs/incremental-checkpoints.md).
 *
 * @packageDocumentation
 */

import type { LeaseFence } from "./registry.js";

/**
 * What a checkpoint changed relative to its parent: the channels it writes whole and, per appending channel, how
 * many items it added at the end. Channels in neither list are the parent's, unchanged. The checkpoint's `state` is
 * still the full state, so a store can always write it whole instead.
 */
export interface StateChanges {
  /** The checkpoint the changes apply to: the saved checkpoint's `parentId`. */
  parentId: string;
  /** Channels whose whole new value is written. */
  whole: string[];
  /** Appending channels that kept every item of the parent's value, with the number of items added at the end. */
  appended: Record<string, number>;
}

/** Options of `CheckpointStore.save`. */
export interface SaveOptions {
  /**
   * What the checkpoint changed relative to its parent, given by the runtime only to a store that declares the
   * `incremental` capability. A store may ignore it and write the full state, which `Checkpoint.state` always holds.
   */
  changes?: StateChanges;
  /**
   * The lease the write is made under (a worker's): the store commits only while its execution registry's record of
   * `lease.executionId` (the checkpoint's execution, or the parent a subgraph runs under) still holds this token,
   * atomically with the version check, and rejects with `LeaseLostError` otherwise. Only given to a store
   * that has a `registry`.
   */
  lease?: LeaseFence;
}
