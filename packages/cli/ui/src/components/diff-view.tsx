import type { Diff } from "../api";
import { inline } from "../lossless";

/** A state diff: one line per added, removed or changed path, values shown with their types. */
export function DiffView({ diff }: { diff: Diff }) {
  if (diff.changes.length === 0) return <p class="muted">The two states are equal.</p>;
  return (
    <table class="diff">
      <thead>
        <tr>
          <th>change</th>
          <th>path</th>
          <th>before</th>
          <th>after</th>
        </tr>
      </thead>
      <tbody>
        {diff.changes.map((change) => (
          <tr class={`diff-${change.kind}`} key={`${change.kind}:${change.path}`}>
            <td>{change.kind}</td>
            <td class="mono">{change.path}</td>
            <td class="mono">{change.before === undefined ? "" : inline(change.before)}</td>
            <td class="mono">{change.after === undefined ? "" : inline(change.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
