import { useState } from "preact/hooks";
import {
  apiPath,
  getJson,
  type Diff,
  type EncodedCheckpoint,
  type GraphInfo,
  type HistoryEntry,
  type RunSummary,
} from "../api";
import { DiffView } from "../components/diff-view";
import { GraphView } from "../components/graph-view";
import { RunActions } from "../components/run-actions";
import { StateEditor } from "../components/state-editor";
import { StateTree } from "../components/state-tree";
import { useLoad } from "../hooks";

type Tab = "state" | "diff" | "metadata" | "tasks";

/** Pending interrupts recorded in a checkpoint's task results (`tasks.interrupts`), if any. */
function interruptsOf(checkpoint: EncodedCheckpoint): unknown[] {
  const tasks = checkpoint.tasks;
  if (tasks === null || tasks === undefined || typeof tasks !== "object" || Array.isArray(tasks)) return [];
  const list = tasks.interrupts;
  return Array.isArray(list) ? list : [];
}

function DiffTab({ checkpoint, entries }: { checkpoint: EncodedCheckpoint; entries: readonly HistoryEntry[] }) {
  const [against, setAgainst] = useState<string>(checkpoint.parentId ?? "");
  const loaded = useLoad(
    () => getJson<Diff>(apiPath(["diff"], { to: checkpoint.id, from: against })),
    `${checkpoint.id}|${against}`,
  );
  return (
    <div>
      <label class="compare">
        compare with{" "}
        <select
          aria-label="compare with"
          value={against}
          onChange={(event) => setAgainst((event.currentTarget as HTMLSelectElement).value)}
        >
          {checkpoint.parentId === null ? <option value="">(no parent)</option> : null}
          {entries
            .filter((entry) => entry.id !== checkpoint.id)
            .map((entry) => (
              <option value={entry.id} key={entry.id}>
                v{entry.version} {entry.nodeName}
                {entry.id === checkpoint.parentId ? " (parent)" : ""}
              </option>
            ))}
        </select>
      </label>
      {against === "" ? <p class="muted">This checkpoint has no parent: choose one to compare with.</p> : null}
      {against !== "" && loaded.state === "done" ? <DiffView diff={loaded.value} /> : null}
      {against !== "" && loaded.state === "failed" ? <p class="error">{loaded.error.message}</p> : null}
    </div>
  );
}

interface Props {
  checkpointId: string;
  entries: readonly HistoryEntry[];
  /** The graph, when the inspector was started with one. */
  graph: GraphInfo | null;
  /** Called when an action wrote checkpoints: the page reloads the history, selects `checkpointId`, says `message`. */
  onChanged: (checkpointId: string | undefined, message: string) => void;
}

/**
 * One checkpoint: its state as a tree (and an editor that saves an edit as a new checkpoint), a diff against its
 * parent or another, its metadata and task results; with a graph, the graph with this checkpoint's node and next
 * nodes highlighted, and the runs it allows (answer, resume, fork).
 */
export function CheckpointPanel({ checkpointId, entries, graph, onChanged }: Props) {
  const [tab, setTab] = useState<Tab>("state");
  const [editing, setEditing] = useState(false);
  const loaded = useLoad(
    () => getJson<{ checkpoint: EncodedCheckpoint }>(apiPath(["checkpoints", checkpointId])),
    checkpointId,
  );
  if (loaded.state === "loading") return <p class="muted">Loading checkpoint…</p>;
  if (loaded.state === "failed") return <p class="error">{loaded.error.message}</p>;
  const checkpoint = loaded.value.checkpoint;
  const interrupts = interruptsOf(checkpoint);
  const latest = entries[0]?.id === checkpoint.id;
  const tabs: [Tab, string][] = [
    ["state", "State"],
    ["diff", "Diff"],
    ["metadata", "Metadata"],
    ["tasks", interrupts.length > 0 ? `Tasks (${interrupts.length} pending)` : "Tasks"],
  ];
  const ran = (summary: RunSummary): void =>
    onChanged(
      summary.checkpointId,
      `Run ${summary.status === "done" ? "finished" : "paused"} at v${summary.version ?? "?"}` +
        (summary.interrupts > 0 ? ` with ${summary.interrupts} pending pause(s)` : ""),
    );
  return (
    <article class="checkpoint" data-checkpoint={checkpoint.id}>
      <header>
        <h2>
          v{checkpoint.version} · {checkpoint.nodeName}
        </h2>
        <p class="mono muted">{checkpoint.id}</p>
        <p class="muted">
          {new Date(checkpoint.timestamp).toLocaleString()}
          {checkpoint.next.length > 0 ? ` · next: ${checkpoint.next.join(", ")}` : " · finished"}
        </p>
      </header>
      {graph === null ? null : (
        <>
          <GraphView graph={graph} ran={checkpoint.nodeName} next={checkpoint.next} />
          <RunActions checkpoint={checkpoint} latest={latest} pending={interrupts.length} onRan={ran} />
        </>
      )}
      <div class="tabs" role="tablist">
        {tabs.map(([name, label]) => (
          <button
            role="tab"
            aria-selected={tab === name}
            class={tab === name ? "active" : ""}
            onClick={() => setTab(name)}
          >
            {label}
          </button>
        ))}
      </div>
      <div class="tab-body" role="tabpanel">
        {tab === "state" && editing ? (
          <StateEditor
            checkpoint={checkpoint}
            onCancel={() => setEditing(false)}
            onSaved={(saved) => {
              setEditing(false);
              onChanged(saved.id, `Saved the edit as v${saved.version}`);
            }}
          />
        ) : null}
        {tab === "state" && !editing ? (
          <>
            <div class="actions">
              <button onClick={() => setEditing(true)}>Edit state</button>
            </div>
            <StateTree value={checkpoint.state} />
          </>
        ) : null}
        {tab === "diff" ? <DiffTab checkpoint={checkpoint} entries={entries} /> : null}
        {tab === "metadata" ? <StateTree value={checkpoint.metadata} rootLabel="metadata" /> : null}
        {tab === "tasks" ? (
          checkpoint.tasks === undefined || checkpoint.tasks === null ? (
            <p class="muted">No task results recorded.</p>
          ) : (
            <StateTree value={checkpoint.tasks} rootLabel="tasks" />
          )
        ) : null}
      </div>
    </article>
  );
}
