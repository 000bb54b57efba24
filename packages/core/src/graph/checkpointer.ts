import type { Checkpoint, CheckpointMetadata, CheckpointSource } from "../checkpoint.js";
import { CheckpointSaveError, InvalidArgumentError, isLgError, RetentionError } from "../errors.js";
import { createCheckpointId } from "../ids.js";
import type { CheckpointStore } from "../store.js";
import { listCheckpointHeaders, pruneCheckpoints } from "../store-helpers.js";
import { traced } from "../tracing.js";
import {
  anchorOf,
  buildTaskResults,
  forStore,
  hasPause,
  isDefaultKey,
  updateKeysOf,
  withUpdateKey,
  type StepRecord,
} from "./tasks.js";
import type { CheckpointConfig } from "./types.js";
import { listLengths, stateChanges } from "./changes.js";
import type { Channels } from "./channels.js";
import type { SaveOptions, StateChanges } from "../state-changes.js";
import type { LeaseFence } from "../registry.js";

/** A checkpoint the run wants written, before it has an id and a version. */
export interface PendingCheckpoint<S> extends StepRecord<S> {
  nodeName: string;
  state: S;
  /** What `Checkpoint.next` lists: the nodes of the step it continues (static and sent). */
  next: string[];
  source: CheckpointSource;
  step: number;
  extra?: CheckpointMetadata;
  /** Whether a step (or the input) completed here; otherwise the checkpoint continues its parent's chain. */
  completesStep: boolean;
  /** The idempotency key of the update this checkpoint applies, if any. */
  updateKey?: string;
}

/**
 * Applies one run's `CheckpointConfig`: decides when to save (autoSave / saveInterval / finish), assigns versions
 * (latest version read + 1, so a concurrent writer makes the store raise a conflict), links `parentId`, carries the
 * branch's update keys, awaits every save, and then applies retention.
 *
 * Commit, then retention: a checkpoint the store confirmed is final. Pruning to `maxCheckpoints` runs after it as
 * best effort — while the run lasts it protects the checkpoint the run started from and every pause nothing has
 * continued from yet — and a failed pass is collected as a {@link RetentionError} (and a process warning), never
 * thrown: a caller that retried would apply the committed step again.
 */
export class RunCheckpointer<S> {
  /** The newest version this run has read or written. */
  private latestVersion = 0;
  /** The checkpoint the next one continues from. */
  private parent: Checkpoint | undefined;
  /** The length of each list channel of `parent` as it was stored: catches a list a node pushed onto in place. */
  private parentLengths = new Map<string, number>();
  private pending: PendingCheckpoint<S> | undefined;
  private lastSaveAt: number;
  private readonly protect: string[] = [];
  /** The id of the base when it records a pause. */
  private pausedBase: string | undefined;
  /** Whether this run has saved a checkpoint, i.e. continued from (and so answered) its base. */
  private saved = false;
  /** Idempotency keys of the updates applied on this branch, oldest first. */
  private updateKeys: string[] = [];
  /** Where the current chain of updates, pauses and partial steps began. */
  private anchor: string | undefined;
  private readonly retentionErrors: RetentionError[] = [];
  /** How many of `retentionErrors` were already handed out as events. */
  private retentionErrorsTaken = 0;
  private retentionFinished = false;
  /** The worker's lease every save of this run is made under (fencing), if any. */
  lease: LeaseFence | undefined;
  /** Set once a save was refused for a lost lease: every later save would be refused too, so none is sent. */
  private lostLease: unknown;

  constructor(
    private readonly config: CheckpointConfig | undefined,
    private readonly executionId: string,
    private readonly userMetadata: Record<string, unknown>,
    /** The graph's channels: they tell which channels append, for a store that keeps changes only. */
    private readonly channels: Channels<S> = {},
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
   * Where the current chain of updates, pauses and partial steps began: the step a node runs in. Before anything
   * was saved, the execution id (the same on every attempt).
   */
  get anchorId(): string {
    return this.anchor ?? this.executionId;
  }

  /** Every retention failure of this run so far. */
  get retentionFailures(): readonly RetentionError[] {
    return this.retentionErrors;
  }

  /**
   * Starts from `base` (resumed or forked from) with `latest` the execution's newest checkpoint. The base is
   * protected from pruning while the run lasts. A fork (from a checkpoint other than the latest) begins a chain of
   * its own: the step it runs is another attempt than the one the old branch made from there (a subgraph started in
   * that step gets a run of its own, so the branches never share one).
   */
  startFrom(base: Checkpoint | undefined, latest: Checkpoint | undefined): void {
    this.parent = base;
    this.parentLengths = listLengths(base?.state);
    this.latestVersion = latest?.version ?? 0;
    this.updateKeys = updateKeysOf(base);
    const forked = base !== undefined && latest !== undefined && base.id !== latest.id;
    this.anchor = base === undefined ? undefined : forked ? `${base.id}~${createCheckpointId()}` : anchorOf(base);
    if (base === undefined) return;
    this.protect.push(base.id);
    if (hasPause(base)) this.pausedBase = base.id;
  }

  /** Retention failures since the last call (for the run's stream events). */
  takeRetentionErrors(): RetentionError[] {
    const taken = this.retentionErrors.slice(this.retentionErrorsTaken);
    this.retentionErrorsTaken = this.retentionErrors.length;
    return taken;
  }

  /**
   * The run's last retention pass, once it has saved: the base is no longer protected, so after a resume or a fork
   * exactly the newest `maxCheckpoints` stay (and every pause still waiting for a human, except the base's pause this
   * run answered). Never throws.
   */
  async finishRetention(): Promise<void> {
    const store = this.config?.store;
    const keepLast = this.config?.maxCheckpoints;
    if (this.retentionFinished || store === undefined || keepLast === undefined || !this.saved) return;
    this.retentionFinished = true;
    if (this.latestVersion <= keepLast) return;
    await this.retainQuietly(store, keepLast, [], this.pausedBase);
  }

  /** Records progress; it is written now or later depending on the save policy. */
  async record(pending: PendingCheckpoint<S>): Promise<Checkpoint | undefined> {
    // The key is the branch's from now on, even if this checkpoint is replaced before it is written.
    if (pending.updateKey !== undefined) this.updateKeys = withUpdateKey(this.updateKeys, pending.updateKey);
    this.pending = pending;
    const autoSave = this.config?.autoSave ?? true;
    const interval = this.config?.saveInterval ?? 0;
    const due = autoSave || (interval > 0 && Date.now() - this.lastSaveAt >= interval);
    return due ? this.flush() : undefined;
  }

  /**
   * Writes `pending` now, whatever the save policy: a `context.step` outcome must be durable before the node goes on.
   * Progress recorded but not yet written (with `autoSave: false`) is written first, so versions stay in order.
   */
  async saveNow(pending: PendingCheckpoint<S>): Promise<Checkpoint | undefined> {
    if (this.pending !== undefined) await this.flush();
    this.pending = pending;
    return this.flush();
  }

  /** Writes the recorded progress if it is not yet saved (on finish, interrupt and error). */
  async flush(): Promise<Checkpoint | undefined> {
    const pending = this.pending;
    if (pending === undefined || this.config?.store === undefined) return undefined;
    // A default key recognises a retry until a node step completes after its update; a caller's key is kept.
    if (pending.completesStep && pending.source === "loop")
      this.updateKeys = this.updateKeys.filter((k) => !isDefaultKey(k));
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
    const tasks = buildTaskResults(pending, this.updateKeys, pending.completesStep ? undefined : this.anchorId);
    if (tasks !== undefined) cp.tasks = tasks;
    await this.saveAndRetain(cp);
    this.pending = undefined;
    if (pending.completesStep) this.anchor = cp.id;
    return cp;
  }

  /**
   * Commits a checkpoint (one built here, or by `updateState`), then applies retention. Failures of the save other
   * than the checkpoint's own faults (conflict, unstorable value, bad field) become `CheckpointSaveError`; a failed
   * retention pass after the commit is collected, not thrown.
   */
  async saveAndRetain(cp: Checkpoint<S>): Promise<void> {
    const store = this.config?.store;
    if (store === undefined)
      throw new InvalidArgumentError("saving a checkpoint needs compile({ checkpoint: { store } })");
    if (this.lostLease !== undefined) throw this.lostLease;
    try {
      const saveContext = () => ({
        executionId: cp.executionId,
        checkpointId: cp.id,
        version: cp.version,
        node: cp.nodeName,
      });
      const changes = this.changesFor(cp, store);
      const stored = forStore(cp, store);
      const options: SaveOptions = {};
      if (changes !== undefined) options.changes = changes;
      if (this.lease !== undefined) options.lease = this.lease;
      await traced("save", saveContext, () =>
        options.changes === undefined && options.lease === undefined ? store.save(stored) : store.save(stored, options),
      );
    } catch (error) {
      // These say what is wrong with the checkpoint itself (a retry would fail the same way): pass them on as they
      // are, recognised by code so that a store built against another copy of @lg/core is understood too.
      if (isLgError(error, "LG_LEASE_LOST")) this.lostLease = error;
      if (
        isLgError(error, "LG_CHECKPOINT_CONFLICT") ||
        isLgError(error, "LG_LEASE_LOST") ||
        isLgError(error, "LG_SERIALIZATION") ||
        isLgError(error, "LG_INVALID_ARGUMENT")
      ) {
        throw error;
      }
      throw new CheckpointSaveError(this.executionId, error);
    }
    this.parent = cp;
    this.parentLengths = listLengths(cp.state);
    this.latestVersion = cp.version;
    this.lastSaveAt = Date.now();
    this.saved = true;
    const keepLast = this.config?.maxCheckpoints;
    if (keepLast !== undefined && this.latestVersion > keepLast)
      await this.retainQuietly(store, keepLast, this.protect);
  }

  /**
   * What `cp` changed since its parent, for a store that declares `incremental` — when the parent is the checkpoint
   * this run holds in memory, the state `cp.state` was computed from (otherwise the store gets the state whole).
   */
  private changesFor(cp: Checkpoint<S>, store: CheckpointStore): StateChanges | undefined {
    const parent = this.parent;
    if (store.capabilities?.incremental !== true || parent === undefined || cp.parentId !== parent.id) return undefined;
    const before = parent.state as S;
    const after = cp.state;
    if (!isObject(before) || !isObject(after)) return undefined;
    return stateChanges(this.channels, before, after, parent.id, this.parentLengths);
  }

  private async retainQuietly(
    store: CheckpointStore,
    keepLast: number,
    keep: readonly string[],
    answered?: string,
  ): Promise<void> {
    try {
      const pruneContext = () => ({ executionId: this.executionId, keepLast, version: this.latestVersion });
      await traced("prune", pruneContext, () => this.retain(store, keepLast, keep, answered));
    } catch (cause) {
      const error = new RetentionError(this.executionId, cause);
      this.retentionErrors.push(error);
      // One warning per run is enough to be noticed; every failure is in the run's events and result.
      if (this.retentionErrors.length === 1) process.emitWarning(error.message, { code: error.code });
    }
  }

  /**
   * One retention pass: keeps the newest `keepLast`, the ids in `keep`, and every pause nothing has continued from
   * except `answered` (a pause this run is known to have answered).
   */
  private async retain(
    store: CheckpointStore,
    keepLast: number,
    keep: readonly string[],
    answered?: string,
  ): Promise<void> {
    const cutoff = this.latestVersion - keepLast; // versions up to here fall out of the newest keepLast
    const pending = (await pendingPauses(store, this.executionId, cutoff)).filter((id) => id !== answered);
    await pruneCheckpoints(store, this.executionId, { keepLast, protect: [...keep, ...pending] });
  }
}

/**
 * Ids of the oldest checkpoints (up to one version past `cutoff`, the last to fall out of the newest `keepLast`) that
 * record a pause nothing continues from: an execution waiting for a human there (on any branch) must stay
 * resumable. A pause counts as answered when a listed checkpoint names it as `parentId` (the continuation of a pause
 * is its next version unless a fork answered it); a pause answered only by a later fork is kept until that fork's
 * checkpoint is listed too (the safe side).
 */
async function pendingPauses(store: CheckpointStore, executionId: string, cutoff: number): Promise<string[]> {
  // Headers only: retention needs ids, lineage and pauses, never states (a store with `listHeaders` does not read them).
  const rows = await listCheckpointHeaders(store, executionId, { beforeVersion: cutoff + 2 });
  const continued = new Set(rows.map((cp) => cp.parentId));
  // Every unanswered pause listed, not only those at or below the cutoff: a concurrent writer may have saved a
  // version since, moving the window the prune actually applies.
  return rows.filter((cp) => hasPause(cp) && !continued.has(cp.id)).map((cp) => cp.id);
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
