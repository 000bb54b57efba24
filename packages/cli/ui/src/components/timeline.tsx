import type { History, HistoryEntry } from "../api";
import { VirtualList } from "./virtual-list";

/** Pixel height of a timeline row. */
const ROW = 30;
/** Branch lanes drawn at most; a history with more forks shows the rest by number. */
const MAX_LANES = 8;

function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} kB`;
  return `${(size / 1024 / 1024).toFixed(2)} MB`;
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** The lanes of one row: a dot on the entry's own branch, a line through the branches alive at its version. */
function Lanes({ entry, history }: { entry: HistoryEntry; history: History }) {
  const lanes = Math.min(history.branches, MAX_LANES);
  const cells = [];
  for (let lane = 0; lane < lanes; lane++) {
    const span = history.spans[lane];
    const alive = span !== undefined && entry.version >= span.first && entry.version <= span.last;
    const own = entry.branch === lane;
    cells.push(
      <span class={`lane lane-${lane % MAX_LANES}${own ? " lane-own" : alive ? " lane-alive" : ""}`} key={lane}>
        {own ? (entry.forkStart ? "◆" : "●") : alive ? "│" : ""}
      </span>,
    );
  }
  return <span class="lanes">{cells}</span>;
}

interface Props {
  history: History;
  selected: string | undefined;
  onSelect: (entry: HistoryEntry) => void;
}

/**
 * An execution's checkpoints, newest first, as a timeline with its branches drawn as lanes (a fork starts with ◆
 * on a lane of its own). Virtualised: only the rows in view are in the page.
 */
export function Timeline({ history, selected, onSelect }: Props) {
  const index = history.entries.findIndex((entry) => entry.id === selected);
  return (
    <VirtualList
      label="checkpoints"
      items={history.entries}
      rowHeight={ROW}
      scrollTo={index}
      row={(entry) => (
        <button
          class={`timeline-row${entry.id === selected ? " selected" : ""}`}
          data-version={entry.version}
          aria-pressed={entry.id === selected}
          onClick={() => onSelect(entry)}
        >
          <Lanes entry={entry} history={history} />
          <span class="version">v{entry.version}</span>
          <span class="node">{entry.nodeName}</span>
          {entry.source !== undefined && entry.source !== "loop" ? <span class="badge">{entry.source}</span> : null}
          {entry.next.length > 0 ? <span class="next">→ {entry.next.join(", ")}</span> : null}
          <span class="size">{formatBytes(entry.size)}</span>
          <span class="time">{formatTime(entry.timestamp)}</span>
        </button>
      )}
    />
  );
}
