/**
 * The task-results protocol: the one place that reads and writes `Checkpoint.tasks` — what the nodes of an
 * unfinished step left behind (writes of finished nodes, resume answers, failures), the pauses pending at a
 * checkpoint, and the idempotency keys of updates. The run loop, the checkpointer and the graph's edit and resume
 * paths ask this module; none of them reads metadata keys.
 *
 * Checkpoints written before `tasks` existed kept the same facts in `metadata.interrupts`, `metadata.resumes` and
 * `metadata.pendingWrites`; they are read from there when `tasks` is absent, so old executions still resume.
 */
import { createHash } from "node:crypto";
import type {
  Checkpoint,
  CheckpointHeader,
  PauseRecord,
  RecordedStep,
  SendRecord,
  TaskResult,
  TaskResults,
} from "../checkpoint.js";
import { ownValue, setOwn } from "../own.js";
import { canonicalJson } from "../json-equal.js";
import { encodeValue } from "../serializer.js";
import type { CheckpointStore } from "../store.js";
import { InvalidArgumentError } from "../errors.js";
import { assertNonEmptyString } from "../validate.js";
import { send, type Destination } from "./send.js";

/** How many update keys a branch remembers: a retry is recognised while its key is among the newest this many. */
export const MAX_UPDATE_KEYS = 32;

/** What the nodes of the step a run stands in have done so far, by node name (null-prototype records). */
export interface StepProgress<S> {
  /** Updates of the nodes that finished: merged when the step completes, the nodes are not run again. */
  writes: Record<string, Partial<S>>;
  /** Answers given to each node's `interrupt()` calls, in call order. */
  resumes: Record<string, unknown[]>;
  /** Where a finished node routed with `Command({ goto })`: node names and sends. */
  gotos: Record<string, Destination[]>;
  /** What the tasks' `context.step` calls recorded, by task and step key (absent: none). */
  steps?: Record<string, Record<string, RecordedStep>>;
}

/** An empty {@link StepProgress}. */
export function noProgress<S>(): StepProgress<S> {
  return { writes: nodeRecord(), resumes: nodeRecord(), gotos: nodeRecord() };
}

/** An empty record that is safe for any node name ("constructor", "__proto__" …). */
export function nodeRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

export { ownValue };

/** The task result of `node` in `nodes`, added empty when there is none yet. */
function entryOf(nodes: Record<string, TaskResult>, node: string): TaskResult {
  const found = ownValue(nodes, node);
  if (found !== undefined) return found;
  const created: TaskResult = {};
  setOwn(nodes, node, created);
  return created;
}

/** The metadata key that holds task results in a store without the `taskResults` capability. */
export const TASKS_METADATA_KEY = "tasks";

/**
 * The task results a checkpoint was written with: its `tasks` field, or the metadata key a store without the
 * `taskResults` capability keeps them in. `undefined` when it has none.
 */
export function storedTaskResults(cp: CheckpointHeader): TaskResults | undefined {
  if (cp.tasks !== undefined) return cp.tasks;
  const inMetadata = cp.metadata[TASKS_METADATA_KEY] as TaskResults | undefined;
  return isRecord(inMetadata) && isRecord(inMetadata.nodes) && Array.isArray(inMetadata.interrupts)
    ? inMetadata
    : undefined;
}

/** The task results of a checkpoint: as stored, or as an older release kept them in metadata keys of their own. */
export function taskResultsOf(cp: CheckpointHeader): TaskResults {
  return storedTaskResults(cp) ?? legacyTaskResults(cp.metadata as LegacyMetadata);
}

/**
 * The checkpoint as `store` is handed it: unchanged for a store that keeps task results itself; otherwise with them
 * moved into the metadata, which every store round-trips losslessly, so nothing of a step is lost on an older store.
 */
export function forStore(cp: Checkpoint, store: CheckpointStore): Checkpoint {
  if (cp.tasks === undefined || store.capabilities?.taskResults === true) return cp;
  const { tasks, ...rest } = cp;
  return { ...rest, metadata: { ...cp.metadata, [TASKS_METADATA_KEY]: tasks } };
}

interface LegacyMetadata {
  interrupts?: unknown;
  resumes?: unknown;
  pendingWrites?: unknown;
}

function legacyTaskResults(metadata: LegacyMetadata): TaskResults {
  const nodes = nodeRecord<TaskResult>();
  if (isRecord(metadata.pendingWrites)) {
    for (const [node, writes] of Object.entries(metadata.pendingWrites)) {
      if (isRecord(writes)) entryOf(nodes, node).writes = writes;
    }
  }
  if (isRecord(metadata.resumes)) {
    for (const [node, answers] of Object.entries(metadata.resumes)) {
      if (Array.isArray(answers)) entryOf(nodes, node).resumes = answers;
    }
  }
  const interrupts = Array.isArray(metadata.interrupts) ? (metadata.interrupts as PauseRecord[]) : [];
  return { nodes, interrupts };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** One task of a step: a node reached by an edge (id = its name) or a send (id = `node#index`). */
export interface StepTask {
  /** The task's id: the node name, or the send's label. */
  id: string;
  /** The node it runs. */
  node: string;
  /** Whether it was started by `send()` (then it runs with `input`, not the state). */
  sent: boolean;
  /** The send's input. */
  input?: unknown;
}

/** The label of the `index`-th send of a step. */
export function sendLabel(node: string, index: number): string {
  return `${node}#${index}`;
}

/** The tasks of a step: the static nodes, then the sends in order. */
export function stepTasks({ next, sends }: { next: readonly string[]; sends: readonly SendRecord[] }): StepTask[] {
  const tasks: StepTask[] = next.map((node) => ({ id: node, node, sent: false }));
  sends.forEach((s, i) => tasks.push({ id: sendLabel(s.node, i), node: s.node, sent: true, input: s.input }));
  return tasks;
}

/** The step a checkpoint continues: its static nodes and its sends. */
export function pendingStepOf(cp: Checkpoint): { next: string[]; sends: SendRecord[] } {
  const tasks = storedTaskResults(cp);
  if (tasks?.sends === undefined || tasks.sends.length === 0) return { next: [...cp.next], sends: [] };
  return { next: [...(tasks.next ?? [])], sends: tasks.sends.map((s) => ({ ...s })) };
}

/** The pauses pending at a checkpoint. */
export function pausesOf(cp: CheckpointHeader): PauseRecord[] {
  return taskResultsOf(cp).interrupts;
}

/** Whether the checkpoint records a pause (it must stay until a human answered it). */
export function hasPause(cp: CheckpointHeader): boolean {
  return pausesOf(cp).length > 0;
}

/** The writes and resume answers of the step a checkpoint continues. */
export function progressOf<S>(cp: Checkpoint): StepProgress<S> {
  const progress = noProgress<S>();
  for (const [node, result] of Object.entries(taskResultsOf(cp).nodes)) {
    if (result.writes !== undefined) setOwn(progress.writes, node, result.writes as Partial<S>);
    if (result.resumes !== undefined) setOwn(progress.resumes, node, [...result.resumes]);
    if (result.goto !== undefined) setOwn(progress.gotos, node, result.goto.map(fromGotoRecord));
    if (result.steps !== undefined && result.writes === undefined) {
      progress.steps ??= nodeRecord();
      setOwn(progress.steps, node, result.steps);
    }
  }
  return progress;
}

/** Whether a step was under way at the checkpoint (some node finished, failed, was answered or paused inside it). */
export function stepUnderWay(cp: Checkpoint): boolean {
  const tasks = taskResultsOf(cp);
  return Object.keys(tasks.nodes).length > 0 || tasks.interrupts.some((pause) => pause.when === "inside");
}

/** The update keys remembered on a checkpoint's branch, oldest first. */
export function updateKeysOf(cp: Checkpoint | undefined): string[] {
  const keys = cp === undefined ? undefined : storedTaskResults(cp)?.updateKeys;
  return keys === undefined ? [] : [...keys];
}

/** The checkpoint where the chain of updates, pauses and partial steps that `cp` belongs to began. */
export function anchorOf(cp: Checkpoint): string {
  return storedTaskResults(cp)?.anchorId ?? cp.id;
}

/** Appends `key`, keeping the newest {@link MAX_UPDATE_KEYS}. */
export function withUpdateKey(keys: readonly string[], key: string): string[] {
  return [...keys.filter((k) => k !== key), key].slice(-MAX_UPDATE_KEYS);
}

/**
 * The idempotency key of an update: the caller's own, or one derived from what the update does and the checkpoint
 * its chain began from — stable across a retry even when the first attempt landed and moved the execution on.
 */
export function updateKey(given: string | undefined, base: Checkpoint, what: unknown): string {
  if (given !== undefined) return checkCallerKey(given);
  const digest = createHash("sha256")
    .update(canonicalJson(encodeValue(what, "update")))
    .digest("base64url");
  return `auto:${anchorOf(base)}:${digest}`; // see isDefaultKey
}

/** Checks an idempotency key a caller gave: a non-empty string, not one of the runtime's own (`auto:…`). */
export function checkCallerKey(key: unknown): string {
  assertNonEmptyString("idempotencyKey", key);
  if (isDefaultKey(key))
    throw new InvalidArgumentError(
      'idempotencyKey may not begin with "auto:", which the runtime uses for its own keys',
    );
  return key;
}

/** Whether `key` was derived by the runtime (no key given by the caller). */
export function isDefaultKey(key: string): boolean {
  return key.startsWith("auto:");
}

/** Whether an update with `key` already landed: a checkpoint it can see (the latest, the one it applies to) records it. */
export function updateLanded(key: string, ...seen: (Checkpoint | undefined)[]): boolean {
  return seen.some((cp) => updateKeysOf(cp).includes(key));
}

/** What a checkpoint about to be written records of its step, before the branch's keys and anchor are added. */
export interface StepRecord<S> {
  /** Pauses pending at the checkpoint. */
  pauses?: readonly PauseRecord[];
  /** Finished nodes' writes and resume answers of an unfinished step. */
  progress?: StepProgress<S>;
  /** Nodes that failed in the step: the error's message and the attempts made. */
  failures?: Record<string, { error: string; attempts: number }>;
  /** The sends of the step the checkpoint continues, and its static nodes (recorded when there are sends). */
  plan?: { next: readonly string[]; sends: readonly SendRecord[] };
}

/**
 * Builds the `tasks` field of a checkpoint: the step's record plus the branch's update keys and, for a checkpoint
 * that does not complete a step (`anchorId` given), the anchor of its chain. `undefined` when there is nothing to keep.
 */
export function buildTaskResults<S>(
  record: StepRecord<S>,
  updateKeys: readonly string[],
  anchorId: string | undefined,
): TaskResults | undefined {
  const nodes = nodeRecord<TaskResult>();
  const progress = record.progress;
  if (progress !== undefined) {
    for (const node of Object.keys(progress.writes))
      entryOf(nodes, node).writes = progress.writes[node] as Record<string, unknown>;
    for (const node of Object.keys(progress.resumes)) {
      const answers = progress.resumes[node] as unknown[];
      if (answers.length > 0) entryOf(nodes, node).resumes = [...answers];
    }
    for (const node of Object.keys(progress.gotos)) {
      const targets = progress.gotos[node] as Destination[];
      if (targets.length > 0 && ownValue(progress.writes, node) !== undefined)
        entryOf(nodes, node).goto = targets.map(toGotoRecord);
    }
    // A task that finished will not run again: its recorded steps are done with.
    for (const node of Object.keys(progress.steps ?? {})) {
      const steps = (progress.steps as Record<string, Record<string, RecordedStep>>)[node] as Record<
        string,
        RecordedStep
      >;
      if (Object.keys(steps).length > 0 && ownValue(progress.writes, node) === undefined)
        entryOf(nodes, node).steps = { ...steps };
    }
  }
  for (const [node, failure] of Object.entries(record.failures ?? {})) {
    entryOf(nodes, node).error = failure.error;
    if (failure.attempts > 1) entryOf(nodes, node).attempts = failure.attempts;
  }
  const interrupts = [...(record.pauses ?? [])];
  const hasNodes = Object.keys(nodes).length > 0;
  const sends = record.plan?.sends ?? [];
  if (!hasNodes && interrupts.length === 0 && sends.length === 0 && updateKeys.length === 0 && anchorId === undefined) {
    return undefined;
  }
  // A plain object (not null-prototype) so stores and comparisons see ordinary data.
  const plainNodes: Record<string, TaskResult> = {};
  for (const node of Object.keys(nodes)) setOwn(plainNodes, node, nodes[node] as TaskResult);
  const tasks: TaskResults = { nodes: plainNodes, interrupts };
  if (sends.length > 0) {
    tasks.sends = sends.map((s) => ({ node: s.node, input: s.input }));
    tasks.next = [...(record.plan?.next ?? [])];
  }
  if (updateKeys.length > 0) tasks.updateKeys = [...updateKeys];
  if (anchorId !== undefined) tasks.anchorId = anchorId;
  return tasks;
}

/** How a goto destination is stored: a node name, or `{ node, input }` for a send. */
function toGotoRecord(destination: Destination): string | SendRecord {
  return typeof destination === "string" ? destination : { node: destination.node, input: destination.input };
}

function fromGotoRecord(stored: string | SendRecord): Destination {
  return typeof stored === "string" ? stored : send(stored.node, stored.input);
}
