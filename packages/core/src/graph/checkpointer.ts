import type { Checkpoint, CheckpointMetadata, CheckpointSource } from "../checkpoint.js";
import { CheckpointConflictError, CheckpointSaveError, InvalidArgumentError, SerializationError } from "../errors.js";
import { createCheckpointId } from "../ids.js";
import type { CheckpointStore } from "../store.js";
import { pruneCheckpoints } from "../store-helpers.js";
import type { CheckpointConfig } from "./types.js";

/** A checkpoint the run wants written, before it has an id and a version. */
export interface PendingCheckpoint<S> {
  nodeName: string;
  state: S;
  next: string[];
  source: CheckpointSource;
  step: number;
  extra?: CheckpointMetadata;
}

/**
 * Applies one run's `CheckpointConfig`: decides when to save (autoSave / saveInterval / finish), assigns versions
 * (latest version read + 1, so a concurrent writer makes the store raise a conflict), links `parentId`, awaits every
 * save, and prunes to `maxCheckpoints` while protecting the checkpoint the run resumed from and every checkpoint
 * that records a pause nothing has continued from yet.
 */
export class RunCheckpointer<S> {
  /** The newest version this run has read or written. */
  private latestVersion = 0;
  /** The checkpoint the next one continues from. */
  private parent: Checkpoint | undefined;
  private pending: PendingCheckpoint<S> | undefined;
  private lastSaveAt: number;
  private readonly protect: string[] = [];
  /** The id of the base when it records a pause. */
  private pausedBase: string | undefined;
  /** Whether this run has saved a checkpoint, i.e. continued from (and so answered) its base. */
  private saved = false;

  constructor(
    private readonly config: CheckpointConfig | undefined,
    private readonly executionId: string,
    private readonly userMetadata: Record<string, unknown>,
  ) {
    this.lastSaveAt = Date.now();
  }

  /** The store, when checkpointing is configured. */
  get store(): CheckpointStore | undefined {
    return this.config?.store;
  }

  /** The checkpoint the run's state currently corresponds to in the store (last saved or resumed from). */
  get current(): Checkpoint | undefined {
    return this.parent;
  }

  /**
   * Starts from `base` (resumed or forked from) with `latestVersion` the execution's newest version. The base is
   * protected from pruning for the whole run.
   */
  startFrom(base: Checkpoint | undefined, latestVersion: number): void {
    this.parent = base;
    this.latestVersion = latestVersion;
    if (base === undefined) return;
    this.protect.push(base.id);
    if (hasPause(base)) this.pausedBase = base.id;
  }

  /**
   * Ends the run's protection of its base. A base that records a pause this run has answered (by saving a checkpoint
   * that continues from it) is then pruned like any other checkpoint, if it is outside the newest `maxCheckpoints`:
   * once the checkpoints that continued from it are pruned, nothing else would tell that its pause was answered.
   * Never throws: the run's checkpoints are all saved by then.
   */
  async release(): Promise<void> {
    const store = this.config?.store;
    const keepLast = this.config?.maxCheckpoints;
    const answered = this.saved ? this.pausedBase : undefined;
    if (store === undefined || keepLast === undefined || answered === undefined || this.latestVersion <= keepLast) return;
    try {
      await this.retain(store, keepLast, [], answered);
    } catch {
      // Every checkpoint of the run is saved: a failed retention pass must not fail it. The next save prunes again
      // (only this answered pause may then be kept until the execution is cleared).
    }
  }

  /** Records progress; it is written now or later depending on the save policy. */
  async record(pending: PendingCheckpoint<S>): Promise<Checkpoint | undefined> {
    this.pending = pending;
    const autoSave = this.config?.autoSave ?? true;
    const interval = this.config?.saveInterval ?? 0;
    const due = autoSave || (interval > 0 && Date.now() - this.lastSaveAt >= interval);
    return due ? this.flush() : undefined;
  }

  /** Writes the recorded progress if it is not yet saved (on finish, interrupt and error). */
  async flush(): Promise<Checkpoint | undefined> {
    const pending = this.pending;
    const store = this.config?.store;
    if (pending === undefined || store === undefined) return undefined;
    const cp: Checkpoint<S> = {
      id: createCheckpointId(),
      executionId: this.executionId,
      nodeName: pending.nodeName,
      state: pending.state,
      metadata: {
        ...this.userMetadata,
        ...pending.extra,
        source: pending.source,
        step: pending.step,
        execution_id: this.executionId,
      },
      timestamp: new Date(),
      version: this.latestVersion + 1,
      next: [...pending.next],
    };
    if (this.parent !== undefined) cp.parentId = this.parent.id;
    await this.saveAndPrune(cp);
    this.pending = undefined;
    return cp as Checkpoint;
  }

  /**
   * Saves a checkpoint built elsewhere (`updateState`), then prunes to `maxCheckpoints`. Failures other than the
   * checkpoint's own faults (conflict, unstorable value, bad field) become `CheckpointSaveError`.
   */
  async saveAndPrune(cp: Checkpoint<S>): Promise<void> {
    const store = this.config?.store;
    if (store === undefined) throw new InvalidArgumentError("saving a checkpoint needs compile({ checkpoint: { store } })");
    try {
      await store.save(cp as Checkpoint);
    } catch (error) {
      // These say what is wrong with the checkpoint itself (a retry would fail the same way): pass them on as they are.
      if (error instanceof CheckpointConflictError || error instanceof SerializationError || error instanceof InvalidArgumentError) {
        throw error;
      }
      throw new CheckpointSaveError(this.executionId, error);
    }
    this.parent = cp as Checkpoint;
    this.latestVersion = cp.version;
    this.lastSaveAt = Date.now();
    this.saved = true;
    await this.prune(store);
  }

  private async prune(store: CheckpointStore): Promise<void> {
    const keepLast = this.config?.maxCheckpoints;
    if (keepLast === undefined || this.latestVersion <= keepLast) return;
    try {
      await this.retain(store, keepLast, this.protect);
    } catch (error) {
      throw new CheckpointSaveError(this.executionId, error);
    }
  }

  /**
   * One retention pass: keeps the newest `keepLast`, the ids in `keep`, and every pause nothing has continued from
   * except `answered` (a pause this run is known to have answered).
   */
  private async retain(store: CheckpointStore, keepLast: number, keep: readonly string[], answered?: string): Promise<void> {
    const cutoff = this.latestVersion - keepLast; // versions up to here fall out of the newest keepLast
    const pending = (await pendingPauses(store, this.executionId, cutoff)).filter((id) => id !== answered);
    await pruneCheckpoints(store, this.executionId, { keepLast, protect: [...keep, ...pending] });
  }
}

/**
 * Ids of the oldest checkpoints (up to one version past `cutoff`, the last to fall out of the newest `keepLast`) that
 * record a pause (`metadata.interrupts`) nothing continues from: an execution waiting for a human there (on any
 * branch) must stay resumable. A pause counts as answered when a listed checkpoint names it as `parentId` (the
 * continuation of a pause is its next version unless a fork answered it); a pause answered only by a later fork is
 * kept until that fork's checkpoint is listed too (the safe side).
 */
async function pendingPauses(store: CheckpointStore, executionId: string, cutoff: number): Promise<string[]> {
  const rows = await store.list(executionId, { beforeVersion: cutoff + 2 });
  const continued = new Set(rows.map((cp) => cp.parentId));
  // Every unanswered pause listed, not only those at or below the cutoff: a concurrent writer may have saved a
  // version since, moving the window the prune actually applies.
  return rows.filter((cp) => hasPause(cp) && !continued.has(cp.id)).map((cp) => cp.id);
}

function hasPause(cp: Checkpoint): boolean {
  return Array.isArray(cp.metadata.interrupts) && cp.metadata.interrupts.length > 0;
}
