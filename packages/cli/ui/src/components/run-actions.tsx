import { useState } from "preact/hooks";
import { apiPath, postJson, type Encoded, type EncodedCheckpoint, type RunSummary } from "../api";

interface Props {
  checkpoint: EncodedCheckpoint;
  /** Whether it is the execution's newest checkpoint. */
  latest: boolean;
  /** Pending pauses it records. */
  pending: number;
  /** Called with where the execution stands after the run. */
  onRan: (summary: RunSummary) => void;
}

/**
 * What the graph module allows from a checkpoint: answer its pause, resume the execution (the latest), or fork it
 * (run on from an older checkpoint) — through the runtime, as a program would.
 */
export function RunActions({ checkpoint, latest, pending, onRan }: Props) {
  const [answer, setAnswer] = useState("true");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const act = async (route: string, body: unknown): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      onRan(await postJson<RunSummary>(apiPath(["executions", checkpoint.executionId, route]), body));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const answerPause = (): void => {
    let value: Encoded;
    try {
      value = JSON.parse(answer) as Encoded;
    } catch (e) {
      setError(`The answer is not valid JSON: ${(e as Error).message}`);
      return;
    }
    void act("answer", { value });
  };
  return (
    <div class="actions" aria-label="run actions">
      {latest && pending > 0 ? (
        <>
          <label>
            answer{" "}
            <input
              aria-label="answer JSON"
              value={answer}
              onInput={(e) => setAnswer((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <button class="primary" disabled={busy} onClick={answerPause}>
            Answer and run
          </button>
        </>
      ) : null}
      {latest && pending === 0 && checkpoint.next.length > 0 ? (
        <button class="primary" disabled={busy} onClick={() => void act("resume", {})}>
          Resume
        </button>
      ) : null}
      {!latest ? (
        <button disabled={busy} onClick={() => void act("resume", { checkpointId: checkpoint.id })}>
          Fork: run on from v{checkpoint.version}
        </button>
      ) : null}
      {busy ? <span class="muted">running…</span> : null}
      {error === undefined ? null : <span class="error">{error}</span>}
    </div>
  );
}
