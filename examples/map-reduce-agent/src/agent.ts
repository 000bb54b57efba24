import { appendReducer, Command, END, interrupt, send, START, StateGraph, type CheckpointStore } from "@lg/core";

/** The agent's state: the documents, one summary per document, and the reviewed report. */
export interface AgentState {
  docs: string[];
  summaries: string[];
  report?: string;
  verdict?: string;
}

/** The review subgraph's state. */
interface Review {
  draft: string;
  verdict?: string;
  final?: string;
}

/**
 * A summarizer that fails now and then, as a model API does under load: the retry policy absorbs it. `flaky` says
 * which documents fail on their first attempt.
 */
function summarize(doc: string, attempt: number, flaky: ReadonlySet<string>): string {
  if (attempt === 1 && flaky.has(doc)) throw new Error(`429 Too Many Requests (${doc})`);
  return `${doc.split(" ").slice(0, 3).join(" ")}…`;
}

/** draft → ask a human to approve (interrupt) → finalize: a compiled graph used as one node of the agent. */
function reviewGraph() {
  return new StateGraph<Review>()
    .addNode("ask", (s) => ({ verdict: interrupt<string>(`approve this report?\n${s.draft}`) }))
    .addNode("finalize", (s) => ({
      final: s.verdict === "approve" ? s.draft : `${s.draft}\n(rejected: ${s.verdict ?? ""})`,
    }))
    .addEdge(START, "ask")
    .addEdge("ask", "finalize")
    .addEdge("finalize", END)
    .compile();
}

/**
 * plan → one `summarize` task per document (send) → reduce → review (a subgraph that asks a human) → END.
 * `summarize` streams its tokens with `context.emit` and retries a failed call up to 3 times.
 */
export function buildAgent(store: CheckpointStore, flaky: ReadonlySet<string> = new Set()) {
  return new StateGraph<AgentState>({ channels: { summaries: { reducer: appendReducer, default: () => [] } } })
    .addNode("plan", (s) => new Command<AgentState>({ goto: s.docs.map((doc) => send("summarize", { doc })) }))
    .addNode(
      "summarize",
      (input, context) => {
        const { doc } = input as unknown as { doc: string };
        const summary = summarize(doc, context.attempt, flaky);
        for (const token of summary.split(" ")) context.emit(token);
        return { summaries: [summary] };
      },
      { retry: { maxAttempts: 3, initialDelayMs: 50 }, timeoutMs: 10_000 },
    )
    .addNode("reduce", (s) => ({ report: s.summaries.map((line, i) => `${i + 1}. ${line}`).join("\n") }))
    .addNode("review", reviewGraph(), {
      input: (s) => ({ draft: s.report ?? "" }),
      output: (r) => ({ report: r.final ?? "", verdict: r.verdict ?? "" }),
    })
    .addEdge(START, "plan")
    .addEdge("summarize", "reduce")
    .addEdge("reduce", "review")
    .addEdge("review", END)
    .compile({ checkpoint: { store, maxCheckpoints: 20 } });
}
