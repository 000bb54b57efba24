import { CheckpointConflictError, LeaseLostError, type Checkpoint, type LeaseFence, type StateChanges } from "@lg/core";
import { sameCheckpoint, validateLeaseFence } from "@lg/core/store";
import { toDeltaParams } from "./delta.js";
import type { Param } from "./connection.js";
import type { SaveTarget } from "./errors.js";
import { toSaveParams, type SaveParams } from "./rows.js";
import { isStorableText } from "./text.js";
import { SaveOutcome, type CheckpointStatements, type KeyedStatements } from "./sql.js";

/**
 * `save`: a checkpoint given the runtime's `changes` is written as a delta row (one statement, only while its parent
 * row exists), any other as a full row (one plain insert). When the insert is refused, the rows holding the id or the
 * version tell an identical re-save (a no-op, which also shows a hidden row again) from a conflict.
 *
 * Under a lease, both statements take the fenced form (`saveDeltaLeased`, `saveLeased`): the same round trip also
 * locks the execution's registry row and checks its token first, so a worker that lost its lease gets
 * `LeaseLostError` (never a conflict) and writes nothing.
 *
 * @packageDocumentation
 */

/** How `save` runs statements: the store's bounded, reconnecting runner. */
export interface SaveRunner {
  /** Runs a statement and returns its rows as arrays. */
  rows(text: string, params: Param[], saving?: SaveTarget): Promise<unknown[][]>;
  /** Runs a statement and returns its row count. */
  execute(text: string, params: Param[], saving?: SaveTarget): Promise<number>;
  /** The row with this id read back whole, hidden or not. */
  readStored(id: string): Promise<Checkpoint | undefined>;
  /** The keyed statements for an id. */
  keyed(value: string): KeyedStatements;
}

// A save whose competing row is deleted between the two statements of the slow path is retried this many times.
const SAVE_ATTEMPTS = 5;

/** What one attempt at a save found. */
const Settled = {
  /** Saved (inserted, or identical content there already): done. */
  Saved: 0,
  /** Another checkpoint holds the id or the version. */
  Conflict: 1,
  /** The row that refused the insert went meanwhile: insert again. */
  Gone: 2,
  /** A delta row's parent is not there: store the checkpoint whole. */
  NoParent: 3,
} as const;
type Settled = (typeof Settled)[keyof typeof Settled];

/** Saves `cp` (see the module's description); rejects with `CheckpointConflictError` on a conflict. */
export async function saveCheckpoint(
  r: SaveRunner,
  s: CheckpointStatements,
  cp: Checkpoint,
  changes: StateChanges | undefined,
  lease?: LeaseFence,
): Promise<void> {
  if (lease !== undefined) {
    validateLeaseFence(lease);
    // A token PostgreSQL text cannot hold is no token the registry minted.
    if (!isStorableText(lease.token) || !isStorableText(lease.executionId)) throw new LeaseLostError(lease.executionId);
  }
  // Encoding validates the checkpoint (typed errors for anything malformed) before any field of it is read here.
  const delta = changes === undefined ? undefined : toDeltaParams(cp, changes);
  const whole = delta === undefined ? toSaveParams(cp) : undefined;
  const saving: SaveTarget = { executionId: cp.executionId, version: cp.version };
  if (delta !== undefined) {
    const keyed = r.keyed(delta[10]);
    const statement = lease === undefined ? keyed.saveDelta : keyed.saveDeltaLeased;
    const params = lease === undefined ? delta : [...delta, lease.token, lease.executionId];
    const done = await untilSettled(cp, async () => {
      const [row] = await r.rows(statement, params, saving);
      if (lease !== undefined && Number(row?.[2]) === 0) throw new LeaseLostError(lease.executionId);
      if (Number(row?.[1]) === 1) return Settled.Saved;
      if (Number(row?.[0]) === 0) return Settled.NoParent;
      return settle(r, s, cp, await r.rows(s.classifyKey, [cp.id, cp.executionId, cp.version], saving));
    });
    if (done === Settled.Saved) return;
  }
  // No changes, changes that cannot be a delta row, or a parent row that went (deleted or merged away meanwhile).
  const params = whole ?? toSaveParams(cp);
  await untilSettled(cp, async () =>
    (await insertWhole(r, s, cp, params, lease))
      ? Settled.Saved
      : settle(r, s, cp, await r.rows(s.classify, params, saving)),
  );
}

/** One insert of a whole checkpoint (fenced under a lease); whether it inserted the row. */
async function insertWhole(
  r: SaveRunner,
  s: CheckpointStatements,
  cp: Checkpoint,
  params: SaveParams,
  lease: LeaseFence | undefined,
): Promise<boolean> {
  const saving: SaveTarget = { executionId: cp.executionId, version: cp.version };
  if (lease === undefined) return (await r.execute(s.save, params, saving)) === 1;
  const [row] = await r.rows(s.saveLeased, [...params, lease.token, lease.executionId], saving);
  if (Number(row?.[0]) === 0) throw new LeaseLostError(lease.executionId);
  return Number(row?.[1]) === 1;
}

/** Runs `attempt` until it saves or finds no parent; a conflict (or rows that keep going meanwhile) rejects. */
async function untilSettled(cp: Checkpoint, attempt: () => Promise<Settled>): Promise<Settled> {
  for (let i = 1; i <= SAVE_ATTEMPTS; i++) {
    const outcome = await attempt();
    if (outcome === Settled.Saved || outcome === Settled.NoParent) return outcome;
    if (outcome === Settled.Conflict) break;
  }
  throw new CheckpointConflictError(cp.executionId, cp.version);
}

/**
 * Decides a refused save from the classify rows (`[outcome, hidden]` per row holding the id or the version): a row
 * stored incrementally is read back whole and compared; an identical hidden row is shown again.
 */
async function settle(
  r: SaveRunner,
  s: CheckpointStatements,
  cp: Checkpoint,
  holders: readonly unknown[][],
): Promise<Settled> {
  if (holders.length === 0) return Settled.Gone;
  const outcomes = holders.map((row) => Number(row[0]));
  if (outcomes.some((outcome) => outcome === SaveOutcome.Conflict)) return Settled.Conflict;
  if (outcomes.some((outcome) => outcome === SaveOutcome.Compare)) {
    const stored = await r.readStored(cp.id);
    if (stored === undefined) return Settled.Gone;
    if (!sameCheckpoint(stored, cp)) return Settled.Conflict;
  }
  if (holders.some((row) => row[1] === true)) {
    // Shown again; when nothing was hidden any more, another call showed it or a removal took it: look again.
    if ((await r.execute(s.unhide, [cp.id])) === 0) return Settled.Gone;
  }
  return Settled.Saved;
}
