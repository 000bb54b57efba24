import type { Checkpoint, CheckpointStore } from "@lg/core";

/**
 * Bounded-concurrency saving, shared by import and copy: up to `concurrency` saves in flight, so a server store
 * pipelines them over its pool while memory stays bounded; the first failure stops the pool.
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

/** Saves checkpoints with at most `concurrency` saves in flight. */
export class SavePool {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  /** How many saves have completed. */
  saved = 0;

  /** Creates a pool saving into `store`; `mapError` turns a save's error into what the pool rethrows. */
  constructor(
    private readonly store: CheckpointStore,
    private readonly concurrency: number,
    private readonly mapError: SaveErrorMapper = (error) => error,
  ) {}

  /** Starts saving `checkpoint`; waits while the pool is full. Rethrows the first failure of an earlier save. */
  async add(checkpoint: Checkpoint, origin: SaveOrigin): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.size >= this.concurrency) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    const save: Promise<void> = this.store.save(checkpoint).then(
      () => {
        this.saved++;
        this.inFlight.delete(save);
      },
      (error: unknown) => {
        this.failure ??= { error: this.mapError(error, origin) };
        this.inFlight.delete(save);
      },
    );
    this.inFlight.add(save);
  }

  /** Waits for every save in flight; rethrows the first failure. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}
