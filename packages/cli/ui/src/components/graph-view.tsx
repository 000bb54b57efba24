import type { GraphInfo } from "../api";

const BOX_W = 128;
const BOX_H = 30;
const GAP_X = 36;
const GAP_Y = 46;

/** Layers by shortest distance from the start along declared edges; nodes no edge reaches go last. */
function layers(graph: GraphInfo): string[][] {
  const depth = new Map<string, number>([["__start__", 0]]);
  const queue = ["__start__"];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const edge of graph.edges) {
      if (edge.source !== node || edge.kind === "possible" || depth.has(edge.target)) continue;
      depth.set(edge.target, (depth.get(node) ?? 0) + 1);
      queue.push(edge.target);
    }
  }
  let deepest = Math.max(0, ...[...depth.entries()].filter(([n]) => n !== "__end__").map(([, d]) => d));
  const rows: string[][] = [];
  for (const { name } of graph.nodes) {
    if (name === "__end__") continue;
    const d = depth.get(name) ?? ++deepest;
    (rows[d] ??= []).push(name);
  }
  rows.push(["__end__"]);
  return rows.filter((row) => row !== undefined && row.length > 0);
}

function label(name: string): string {
  if (name === "__start__") return "start";
  if (name === "__end__") return "end";
  return name.length > 16 ? `${name.slice(0, 15)}…` : name;
}

/**
 * The graph drawn top-down: boxes for nodes, lines for edges (dashed for conditional ones; a router without a
 * path map is not drawn to every node, only noted). The node that wrote the checkpoint and the nodes it runs next
 * are highlighted.
 */
export function GraphView({ graph, ran, next }: { graph: GraphInfo; ran?: string; next: readonly string[] }) {
  const rows = layers(graph);
  // Room on the right for the curves of edges that go back up (loops).
  const width = Math.max(...rows.map((row) => row.length)) * (BOX_W + GAP_X) + GAP_X + BOX_W / 2;
  const height = rows.length * (BOX_H + GAP_Y) + GAP_Y / 2;
  const at = new Map<string, { x: number; y: number }>();
  rows.forEach((row, r) => {
    const rowWidth = row.length * (BOX_W + GAP_X) - GAP_X;
    row.forEach((name, i) =>
      at.set(name, { x: (width - rowWidth) / 2 + i * (BOX_W + GAP_X), y: GAP_Y / 2 + r * (BOX_H + GAP_Y) }),
    );
  });
  const open = graph.edges.filter((e) => e.kind === "possible").map((e) => e.source);
  return (
    <figure class="graph">
      <svg width={width} height={height} role="img" aria-label="graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#8a93a6" />
          </marker>
        </defs>
        {graph.edges
          .filter((edge) => edge.kind !== "possible")
          .map((edge) => {
            const from = at.get(edge.source);
            const to = at.get(edge.target);
            if (from === undefined || to === undefined) return null;
            const x1 = from.x + BOX_W / 2;
            const y1 = from.y + BOX_H;
            const x2 = to.x + BOX_W / 2;
            const y2 = to.y;
            const back = y2 <= y1;
            const path = back
              ? `M${x1 + 10},${from.y + BOX_H / 2} C${x1 + BOX_W},${from.y} ${x2 + BOX_W},${to.y + BOX_H} ${x2 + BOX_W / 2 + 10},${to.y + BOX_H}`
              : `M${x1},${y1} C${x1},${y1 + GAP_Y / 2} ${x2},${y2 - GAP_Y / 2} ${x2},${y2}`;
            return (
              <path
                key={`${edge.source}>${edge.target}`}
                d={path}
                class={`edge edge-${edge.kind}`}
                fill="none"
                marker-end="url(#arrow)"
              />
            );
          })}
        {[...at.entries()].map(([name, { x, y }]) => {
          const state = name === ran ? "ran" : next.includes(name) ? "next" : "";
          return (
            <g key={name} class={`gnode ${state}`} data-node={name} transform={`translate(${x},${y})`}>
              <rect width={BOX_W} height={BOX_H} rx={name.startsWith("__") ? 15 : 6} />
              <text x={BOX_W / 2} y={BOX_H / 2 + 4} text-anchor="middle">
                {label(name)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption class="muted">
        <span class="key ran">ran</span> wrote this checkpoint · <span class="key next">next</span> runs next
        {open.length > 0 ? ` · ${[...new Set(open)].join(", ")} route without a path map (any node may follow)` : ""}
      </figcaption>
    </figure>
  );
}
