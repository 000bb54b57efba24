import { render } from "preact";
import { useLiveTick } from "./hooks";
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
  return (
    <>
      <nav class="top">
        <span class="brand">@lg inspector</span>
      </nav>
      {route.page === "executions" ? (
        <ExecutionsPage tick={tick} />
      ) : (
        <ExecutionPage executionId={route.executionId} checkpointId={route.checkpointId} tick={tick} />
      )}
    </>
  );
}

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
