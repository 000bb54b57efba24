import { render } from "preact";
import { apiPath, getJson, type GraphInfo } from "./api";
import { useLiveTick, useLoad } from "./hooks";
import { ExecutionPage } from "./pages/execution";
import { ExecutionsPage } from "./pages/executions";
import { useRoute } from "./router";
import "./style.css";

// The token came in the printed URL; the server has put it in a cookie, so take it out of the address bar (and
// out of the history and bookmarks).
if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname);

function App() {
  const route = useRoute();
  const tick = useLiveTick();
  const graph = useLoad(() => getJson<{ graph: GraphInfo | null }>(apiPath(["graph"])), "graph");
  const graphInfo = graph.state === "done" ? graph.value.graph : null;
  return (
    <>
      <nav class="top">
        <span class="brand">@lg inspector</span>
        {graphInfo === null ? null : <span class="muted graph-source">graph: {graphInfo.source}</span>}
      </nav>
      {route.page === "executions" ? (
        <ExecutionsPage tick={tick} />
      ) : (
        <ExecutionPage
          executionId={route.executionId}
          checkpointId={route.checkpointId}
          tick={tick}
          graph={graphInfo}
        />
      )}
    </>
  );
}

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
