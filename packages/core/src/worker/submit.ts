import { createExecutionId } from "../ids.js";
import type { GraphInput } from "../graph/compiled-graph.js";
import { checkCallerKey } from "../graph/tasks.js";
import type { ExecutionRecord } from "../registry.js";
import { defaultSubmissionKey, encodeSubmission, sameDefaultInput } from "./submission.js";
import { registryTarget, type WorkerGraph } from "./target.js";

/** Options of {@link submit}. */
export interface SubmitOptions {
  /** The execution to start or continue; a new id is minted when absent. */
  executionId?: string;
  /**
   * The submission's idempotency key (a request id): submitting again with it changes nothing. Default: derived from
   * the input and the submission it follows, so a retried `submit` of the same input is recognised while the
   * execution is queued or running.
   */
  key?: string;
}

/** What {@link submit} recorded. */
export interface Submission {
  /** The execution. */
  executionId: string;
  /** The submission's key. */
  key: string;
  /** `created`, `requeued` (a paused or ended execution continues) or `existing` (this submission was there). */
  outcome: "created" | "requeued" | "existing";
  /** The registry's record after the call. */
  record: ExecutionRecord;
}

/**
 * Hands an execution to the workers (`createWorker`): new input, `null` (resume) or a `Command` (the answer to a
 * pause). The input is in the store before `submit` resolves, so a crash of any process afterwards loses nothing; a
 * worker serving the graph's name and version runs it. Wait for the result with `waitFor`.
 *
 * Submitting new input while the execution is queued or running rejects with `ExecutionBusyError`; submitting the
 * same input again (or with the same `key`) is a no-op.
 */
export async function submit<S extends object>(
  graph: WorkerGraph & { invoke(input: GraphInput<S>, ...rest: never[]): unknown },
  input: GraphInput<S>,
  options: SubmitOptions = {},
): Promise<Submission> {
  const { name, registry } = registryTarget(graph, "submit");
  const executionId = options.executionId ?? createExecutionId();
  const encoded = encodeSubmission(input);
  let key = options.key;
  if (key !== undefined) checkCallerKey(key);
  else {
    const record = await registry.get(executionId);
    const pending = record?.status === "queued" || record?.status === "running";
    key =
      record !== undefined && pending && sameDefaultInput(record.inputKey, encoded)
        ? record.inputKey
        : defaultSubmissionKey(encoded, record?.inputKey);
  }
  const { record, outcome } = await registry.enqueue({
    executionId,
    graphName: name,
    graphVersion: graph.version,
    input: encoded,
    inputKey: key,
  });
  return { executionId, key, outcome, record };
}
