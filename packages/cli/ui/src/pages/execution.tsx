import { useState } from "preact/hooks";
import { apiPath, getJson, type GraphInfo, type History } from "../api";
import { Timeline } from "../components/timeline";
import { useLoad } from "../hooks";
import { navigate } from "../router";
import { CheckpointPanel } from "./checkpoint-panel";

interface Props {
  executionId: string;
  checkpointId?: string;
  tick: number;
  graph: GraphInfo | null;
}

/** One execution: its checkpoints as a timeline with branches, and the selected checkpoint beside it. */
export function ExecutionPage({ executionId, checkpointId, tick, graph }: Props) {
  const [reloads, setReloads] = useState(0);
  // What the last action did, shown while its checkpoint stays selected.
  const [notice, setNotice] = useState<{ text: string; at: string | undefined } | undefined>();
  const loaded = useLoad(
    () => getJson<History>(apiPath(["executions", executionId, "history"])),
    executionId,
    tick + reloads,
  );
  if (loaded.state === "loading") return <p class="muted page">Loading history…</p>;
  if (loaded.state === "failed") return <p class="error page">{loaded.error.message}</p>;
  const history = loaded.value;
  const selected = checkpointId ?? history.entries[0]?.id;
  return (
    <section class="page execution">
      <header class="page-head">
        <h1>
          <a
            href="/"
            onClick={(event) => {
              event.preventDefault();
              navigate({ page: "executions" });
            }}
          >
            Executions
          </a>{" "}
          / <span class="mono">{executionId}</span>
        </h1>
        <p class="muted" data-testid="history-summary">
          {history.total} checkpoints · {history.branches} {history.branches === 1 ? "branch" : "branches"}
        </p>
      </header>
      {notice === undefined || notice.at !== selected ? null : (
        <p class="notice" role="status">
          {notice.text}
        </p>
      )}
      <div class="split">
        <div class="timeline">
          <Timeline
            history={history}
            selected={selected}
            onSelect={(entry) => navigate({ page: "execution", executionId, checkpointId: entry.id })}
          />
        </div>
        <div class="detail">
          {selected === undefined ? (
            <p class="muted">No checkpoint.</p>
          ) : (
            <CheckpointPanel
              key={selected}
              checkpointId={selected}
              entries={history.entries}
              graph={graph}
              onChanged={(id, message) => {
                setNotice({ text: message, at: id ?? selected });
                setReloads((n) => n + 1);
                if (id !== undefined) navigate({ page: "execution", executionId, checkpointId: id });
              }}
            />
          )}
        </div>
      </div>
    </section>
  );
}
