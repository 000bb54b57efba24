import type { Checkpoint, CheckpointStore } from "@lg/core";
import { errorCode } from "./errors.js";

/**
 * Bounded saving, shared by import and copy. A store with `saveMany` gets batches (`batchSize` checkpoints each, two
 * in flight: one being written while the next fills); any other store gets `save` calls, up to `concurrency` in
 * flight, so a server store pipelines them over its pool. Memory stays bounded; the first failure stops the pool.
 *
 * @packageDocumentation
 */

/** Turns a failed save of the checkpoint from `origin` into the error the caller reports. */
export type SaveErrorMapper = (error: unknown, origin: SaveOrigin) => unknown;

/** Where a checkpoint being saved came from, for error messages. */
export interface SaveOrigin {
  /** E.g. `backup line 12` or `checkpoint 0190…`. */
  label: string;
  /** The 1-based line of a backup, when it came from one. */
  line?: number;
}

/** Options of {@link SavePool}. */
export interface SavePoolOptions {
  /** `save` calls in flight at once, for a store without `saveMany`. */
  concurrency: number;
  /** Checkpoints per `saveMany` call (default 500). */
  batchSize?: number;
  /** Turns a save's error into what the pool rethrows (default: as it is). */
  mapError?: SaveErrorMapper;
}

/** Checkpoints per `saveMany` call unless told otherwise: large enough that a batch costs one round trip per ~0.5 MB. */
export const DEFAULT_BATCH_SIZE = 500;

// A batch is written while the next one fills; more in flight would only hold more memory (SQLite writes one at a time).
const BATCHES_IN_FLIGHT = 2;

// Failures that belong to one item: a refused batch is saved again item by item to tell which one.
const ITEM_ERRORS = new Set(["LG_CHECKPOINT_CONFLICT", "LG_INVALID_ARGUMENT", "LG_SERIALIZATION"]);

/** Saves checkpoints with a bounded number of calls in flight. */
export class SavePool {
  private readonly inFlight = new Set<Promise<void>>();
  /** The failure of the earliest work (in the order the checkpoints were added) among those that failed. */
  private failure: { error: unknown; seq: number } | undefined;
  private started = 0;
  private readonly batchSize: number;
  private readonly mapError: SaveErrorMapper;
  private batch: { checkpoint: Checkpoint; origin: SaveOrigin }[] = [];
  /** How many checkpoints have been saved. */
  saved = 0;

  /** Creates a pool saving into `store`. */
  constructor(
    private readonly store: CheckpointStore,
    private readonly options: SavePoolOptions,
  ) {
    this.batchSize = typeof store.saveMany === "function" ? (options.batchSize ?? DEFAULT_BATCH_SIZE) : 0;
    this.mapError = options.mapError ?? ((error) => error);
  }

  /** Queues `checkpoint`; waits while the pool is full. Rethrows the first failure of an earlier save. */
  async add(checkpoint: Checkpoint, origin: SaveOrigin): Promise<void> {
    await this.throwIfFailed();
    if (this.batchSize === 0) {
      await this.start(() => this.saveOne(checkpoint, origin), this.options.concurrency);
      return;
    }
    this.batch.push({ checkpoint, origin });
    if (this.batch.length >= this.batchSize) await this.flush();
  }

  /** Writes what is queued and waits for every save in flight; rethrows the first failure. */
  async drain(): Promise<void> {
    if (this.failure === undefined) await this.flush();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    await this.throwIfFailed();
  }

  private async flush(): Promise<void> {
    const items = this.batch;
    if (items.length === 0) return;
    this.batch = [];
    await this.start(() => this.saveBatch(items), BATCHES_IN_FLIGHT);
  }

  /** Starts `work` once fewer than `limit` calls are in flight; its failure is kept for the next call. */
  private async start(work: () => Promise<void>, limit: number): Promise<void> {
    while (this.inFlight.size >= limit) {
      await Promise.race(this.inFlight);
      await this.throwIfFailed();
    }
    const seq = this.started++;
    const running: Promise<void> = work().then(
      () => void this.inFlight.delete(running),
      (error: unknown) => {
        if (this.failure === undefined || seq < this.failure.seq) this.failure = { error, seq };
        this.inFlight.delete(running);
      },
    );
    this.inFlight.add(running);
  }

  private async saveOne(checkpoint: Checkpoint, origin: SaveOrigin): Promise<void> {
    try {
      await this.store.save(checkpoint);
    } catch (error) {
      throw this.mapError(error, origin);
    }
    this.saved++;
  }

  /**
   * One `saveMany` call (all or nothing). When it refuses the batch because of an item, the batch is saved again one
   * checkpoint at a time, in order: the items before the culprit are restored and the error names its origin.
   */
  private async saveBatch(items: readonly { checkpoint: Checkpoint; origin: SaveOrigin }[]): Promise<void> {
    try {
      await this.store.saveMany?.(items.map((item) => item.checkpoint));
    } catch (error) {
      if (!ITEM_ERRORS.has(errorCode(error) ?? "")) throw error;
      // Saved alone, every item passing means the batch is restored (a rival writer's row has gone meanwhile).
      for (const { checkpoint, origin } of items) await this.saveOne(checkpoint, origin);
      return;
    }
    this.saved += items.length;
  }

  /**
   * Rethrows a failure once every call in flight has settled, so that the error reported is the earliest checkpoint's
   * (the order they were added in), whichever call failed first in time: what comes before it is then all saved.
   */
  private async throwIfFailed(): Promise<void> {
    if (this.failure === undefined) return;
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    throw this.failure.error;
  }
}
