import type { CheckpointStore } from "@lg/core";
import { encodeCheckpoint } from "@lg/core/store";
import type { BackendEnv, BackendName } from "../backends.js";
import { removeSystemData } from "../cleanup.js";
import { sampleAlternating } from "../harness.js";
import { openRawDriver } from "../raw/open.js";
import { summarize, type Summary } from "../stats.js";

/** The latest read of a long execution against one raw read of the same bytes. */
export interface LatestAgainstRaw {
  /** `store.latest(executionId)`: the execution's newest checkpoint with its full state. */
  latest: Summary;
  /** The raw driver reading one row that holds the same checkpoint, state as one JSON text, and parsing it. */
  raw: Summary;
  /** Bytes of that row's state text. */
  stateBytes: number;
}

/** Samples per system: enough for a stable median of a read that takes milliseconds. */
const PLAN = { rounds: 4, iterationsPerRound: 10, warmupIterations: 3 };

/**
 * Times `store.latest` of the execution a conversation just wrote against the backend's raw floor (the driver
 * alone, one statement or script, the row's JSON parsed) reading one row holding the same checkpoint — the full
 * state encoded as the store encodes it, in one column — so the figure shows what reading a state kept as many
 * rows costs beside reading it whole. The raw row goes on a file, schema or key prefix of its own, removed after.
 */
export async function latestAgainstRaw(
  store: CheckpointStore,
  executionId: string,
  backend: BackendName,
  env: BackendEnv,
): Promise<LatestAgainstRaw> {
  const newest = await store.latest(executionId);
  if (newest === undefined) throw new Error(`growing: the execution ${executionId} has no checkpoint to read`);
  const encoded = encodeCheckpoint(newest);
  const state = JSON.stringify(encoded.state);
  const raw = await openRawDriver(backend, env, "growing_raw");
  try {
    await raw.insert({
      id: encoded.id,
      executionId,
      nodeName: encoded.nodeName,
      state,
      metadata: JSON.stringify(encoded.metadata),
      timestamp: encoded.timestamp,
      version: encoded.version,
      parentId: encoded.parentId ?? null,
      next: JSON.stringify(encoded.next),
    });
    const samples = await sampleAlternating(
      [
        { name: "lg", run: () => store.latest(executionId) },
        { name: "raw", run: () => raw.latest(executionId) },
      ],
      PLAN,
    );
    return {
      latest: summarize(samples.get("lg") ?? []),
      raw: summarize(samples.get("raw") ?? []),
      stateBytes: Buffer.byteLength(state),
    };
  } finally {
    await raw.close();
    await removeSystemData(backend, env, "growing_raw");
  }
}
