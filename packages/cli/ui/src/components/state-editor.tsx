import { useState } from "preact/hooks";
import { apiPath, postJson, type Encoded, type EncodedCheckpoint } from "../api";

interface Props {
  checkpoint: EncodedCheckpoint;
  /** Called with the new checkpoint once saved. */
  onSaved: (checkpoint: EncodedCheckpoint) => void;
  onCancel: () => void;
}

/**
 * Edits a checkpoint's state as the serializer's lossless JSON (a `Date` stays `{"$lg":"date",…}`, so no type is
 * lost on the way) and saves it as a new checkpoint after this one: an update on the latest, a fork on an older one.
 */
export function StateEditor({ checkpoint, onSaved, onCancel }: Props) {
  const [text, setText] = useState(() => JSON.stringify(checkpoint.state, null, 2));
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const save = async (): Promise<void> => {
    let state: Encoded;
    try {
      state = JSON.parse(text) as Encoded;
    } catch (e) {
      setError(`Not valid JSON: ${(e as Error).message}`);
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      const answer = await postJson<{ checkpoint: EncodedCheckpoint }>(
        apiPath(["checkpoints", checkpoint.id, "edit"]),
        {
          state,
        },
      );
      onSaved(answer.checkpoint);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <div class="editor">
      <p class="muted">
        The state as stored (typed values keep their <code>$lg</code> tags). Saving writes a new checkpoint after v
        {checkpoint.version}; this one stays as it is.
      </p>
      <textarea
        aria-label="state JSON"
        value={text}
        onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
      />
      {error === undefined ? null : <p class="error">{error}</p>}
      <div class="actions">
        <button class="primary" disabled={saving} onClick={() => void save()}>
          Save as new checkpoint
        </button>
        <button onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}
