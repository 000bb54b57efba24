import { useState } from "preact/hooks";
import type { Encoded } from "../api";
import { show } from "../lossless";

/** Children drawn at first under an expanded container; the rest behind "show more". */
const FIRST_CHILDREN = 100;

interface NodeProps {
  label: string;
  value: Encoded;
  depth: number;
  path: string;
}

function TreeNode({ label, value, depth, path }: NodeProps) {
  const shown = show(value);
  const [open, setOpen] = useState(depth < 1);
  const [limit, setLimit] = useState(FIRST_CHILDREN);
  const children = shown.children;
  return (
    <li class="tree-node" data-path={path}>
      <div class="tree-row">
        {children !== undefined ? (
          <button
            class="tree-toggle"
            aria-expanded={open}
            aria-label={`${open ? "collapse" : "expand"} ${label}`}
            onClick={() => setOpen(!open)}
          >
            {open ? "▾" : "▸"}
          </button>
        ) : (
          <span class="tree-toggle-space" />
        )}
        <span class="tree-key">{label}</span>
        <span class="tree-type">{shown.type}</span>
        {children === undefined || !open ? <span class={`tree-value tone-${shown.tone}`}>{shown.preview}</span> : null}
      </div>
      {children !== undefined && open ? (
        <ul class="tree-children">
          {children.slice(0, limit).map(([key, child]) => (
            <TreeNode key={key} label={key} value={child} depth={depth + 1} path={`${path}/${key}`} />
          ))}
          {children.length > limit ? (
            <li>
              <button class="link" onClick={() => setLimit(limit + FIRST_CHILDREN * 5)}>
                show more ({children.length - limit} left)
              </button>
            </li>
          ) : null}
        </ul>
      ) : null}
    </li>
  );
}

/** A value as a collapsible tree, each entry with its type (`Date`, `Map(2)`, `BigInt` …). */
export function StateTree({ value, rootLabel = "state" }: { value: Encoded; rootLabel?: string }) {
  return (
    <ul class="tree" role="tree">
      <TreeNode label={rootLabel} value={value} depth={0} path={rootLabel} />
    </ul>
  );
}
