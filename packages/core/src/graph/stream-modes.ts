import { InvalidArgumentError } from "../errors.js";
import type { RunEvent } from "./run.js";
import { toSnapshot } from "./snapshot.js";
import type { StreamEvent, StreamMode, StreamPart } from "./types.js";

const MODES: readonly StreamMode[] = ["values", "updates", "checkpoints", "tasks", "custom"];

/** Checks a `streamMode` option and returns the set of modes asked for. */
export function parseStreamModes(streamMode: unknown): ReadonlySet<StreamMode> {
  const modes = (typeof streamMode === "string" ? [streamMode] : streamMode) as unknown;
  if (!Array.isArray(modes) || modes.length === 0 || modes.some((m) => !MODES.includes(m as StreamMode))) {
    throw new InvalidArgumentError(
      `streamMode must be one of ${MODES.join(", ")} or a non-empty array of them, got ${String(streamMode)}`,
    );
  }
  return new Set(modes as StreamMode[]);
}

/** The public event of `stream` without `streamMode` for a run event, or `undefined` when it has none. */
export function toStreamEvent<S>(event: RunEvent<S>): StreamEvent<S> | undefined {
  switch (event.type) {
    case "checkpoint": {
      const cp = event.checkpoint;
      const out: StreamEvent<S> = {
        type: "checkpoint",
        checkpointId: cp.id,
        version: cp.version,
        nodeName: cp.nodeName,
        next: [...cp.next],
      };
      if (cp.parentId !== undefined) out.parentId = cp.parentId;
      return out;
    }
    case "step":
      return { type: "step", step: event.step, nodes: event.nodes, updates: event.updates, state: event.state };
    case "interrupt":
    case "retention":
    case "done":
      return event;
    default:
      return undefined;
  }
}

/** The stream parts of the modes asked for that a run event makes. */
export function toStreamParts<S>(event: RunEvent<S>, modes: ReadonlySet<StreamMode>): StreamPart<S>[] {
  switch (event.type) {
    case "values":
      return modes.has("values") ? [{ mode: "values", step: event.step, values: event.state }] : [];
    case "step":
      if (!modes.has("updates")) return [];
      return event.nodes.map((id) => {
        const node = event.sent[id];
        const update = event.updates[id] ?? {};
        return node === undefined
          ? { mode: "updates", step: event.step, node: id, update }
          : { mode: "updates", step: event.step, node, task: id, update };
      });
    case "checkpoint":
      return modes.has("checkpoints") ? [{ mode: "checkpoints", snapshot: toSnapshot<S>(event.checkpoint) }] : [];
    case "task": {
      if (!modes.has("tasks")) return [];
      const { type: _type, ...part } = event;
      return [{ mode: "tasks", ...part }];
    }
    case "custom": {
      if (!modes.has("custom")) return [];
      const { type: _type, ...part } = event;
      return [{ mode: "custom", ...part }];
    }
    default:
      return [];
  }
}
