import type { Checkpoint } from "../checkpoint.js";
import { UPDATE_NODE } from "../checkpoint.js";
import { createCheckpointId } from "../ids.js";
import type { Channels } from "./channels.js";
import { RunCheckpointer } from "./checkpointer.js";
import { stepOf } from "./inputs.js";
import { buildTaskResults, updateKeysOf, withUpdateKey, type StepRecord } from "./tasks.js";
import type { CheckpointConfig } from "./types.js";

/** An edit ready to be written: the checkpoint it continues, the new state and what the new checkpoint records. */
export interface EditToSave<S> {
  /** Where it goes (and its retention). */
  config: CheckpointConfig;
  /** The graph's channels, for a store that keeps changes only (none for an edit made without the graph). */
  channels?: Channels<S>;
  /** The execution. */
  executionId: string;
  /** The checkpoint edited. */
  base: Checkpoint;
  /** The execution's newest checkpoint (the edit's version follows it). */
  latest: Checkpoint;
  /** The edited state. */
  state: S;
  /** Nodes to run next. */
  next: string[];
  /** The node the edit stands for, when it is one (a step of its own). */
  asNode?: string | undefined;
  /** What the new checkpoint records of its step. */
  carried: StepRecord<S>;
  /** The edit's idempotency key. */
  key: string;
}

/**
 * Writes an edit as the execution's next checkpoint after `base` — node `__update__`, `metadata.source` `"update"`
 * on the latest and `"fork"` on an older one — with the branch's update keys, then applies retention. One place
 * for `updateState` and `saveStateEdit`, so both write edits alike.
 */
export async function saveEdit<S>(edit: EditToSave<S>): Promise<Checkpoint<S>> {
  const { base, latest, executionId, asNode } = edit;
  const cp: Checkpoint<S> = {
    id: createCheckpointId(),
    executionId,
    nodeName: UPDATE_NODE,
    state: edit.state,
    metadata: {
      source: base.id === latest.id ? "update" : "fork",
      // As a node, the edit is a step of its own: what runs next is another step than the one it replaced.
      step: asNode === undefined ? stepOf(base) : stepOf(base) + 1,
      execution_id: executionId,
      ...(asNode === undefined ? {} : { asNode }),
    },
    timestamp: new Date(),
    version: latest.version + 1,
    parentId: base.id,
    next: edit.next,
  };
  const saver = new RunCheckpointer<S>(edit.config, executionId, {}, edit.channels);
  saver.startFrom(base, latest);
  const tasks = buildTaskResults<S>(edit.carried, withUpdateKey(updateKeysOf(base), edit.key), saver.anchorId);
  if (tasks !== undefined) cp.tasks = tasks;
  await saver.saveAndRetain(cp);
  await saver.finishRetention();
  return cp;
}
