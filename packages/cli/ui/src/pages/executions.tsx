import { useEffect, useState } from "preact/hooks";
import { apiPath, getJson, type ExecutionList } from "../api";
import { useLoad } from "../hooks";
import { navigate } from "../router";

const PAGE = 25;

/** The store's executions, newest first: search by id, paging, refreshed live. */
export function ExecutionsPage({ tick }: { tick: number }) {
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  const [offset, setOffset] = useState(0);

  // Search as one types, once typing pauses.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(search.trim());
      setOffset(0);
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);

  const loaded = useLoad(
    () => getJson<ExecutionList>(apiPath(["executions"], { limit: PAGE, offset, q: query })),
    `${query}|${offset}`,
    tick,
  );

  return (
    <section class="page">
      <header class="page-head">
        <h1>Executions</h1>
        <input
          class="search"
          type="search"
          placeholder="Search by execution id or metadata"
          aria-label="search executions"
          value={search}
          onInput={(event) => setSearch((event.currentTarget as HTMLInputElement).value)}
        />
      </header>
      {loaded.state === "loading" ? <p class="muted">Loading…</p> : null}
      {loaded.state === "failed" ? <p class="error">{loaded.error.message}</p> : null}
      {loaded.state === "done" ? (
        <>
          <p class="muted" data-testid="execution-count">
            {loaded.value.total} {loaded.value.total === 1 ? "execution" : "executions"}
            {query === "" ? "" : ` matching “${query}”`}
          </p>
          <table class="executions">
            <thead>
              <tr>
                <th>execution</th>
                <th>status</th>
                <th>latest version</th>
                <th>last node</th>
                <th>updated</th>
              </tr>
            </thead>
            <tbody>
              {loaded.value.executions.map((execution) => (
                <tr key={execution.executionId}>
                  <td>
                    <a
                      href={`/executions/${encodeURIComponent(execution.executionId)}`}
                      onClick={(event) => {
                        event.preventDefault();
                        navigate({ page: "execution", executionId: execution.executionId });
                      }}
                    >
                      {execution.executionId}
                    </a>
                  </td>
                  <td>
                    <span class={`status status-${execution.status}`}>{execution.status}</span>
                  </td>
                  <td>{execution.latestVersion}</td>
                  <td class="mono">{execution.node}</td>
                  <td>{new Date(execution.updatedAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav class="pager">
            <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              ← newer
            </button>
            <span>
              {loaded.value.total === 0 ? 0 : offset + 1}–{Math.min(offset + PAGE, loaded.value.total)} of{" "}
              {loaded.value.total}
            </span>
            <button disabled={offset + PAGE >= loaded.value.total} onClick={() => setOffset(offset + PAGE)}>
              older →
            </button>
          </nav>
        </>
      ) : null}
    </section>
  );
}
