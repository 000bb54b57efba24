import { useEffect, useState } from "preact/hooks";

/**
 * The page's routes, in the address bar so that a view can be bookmarked and the back button works:
 * `/` (executions), `/executions/<id>` and `/executions/<id>/checkpoints/<checkpointId>`.
 */
export type Route = { page: "executions" } | { page: "execution"; executionId: string; checkpointId?: string };

/** The route of a path. */
export function parseRoute(pathname: string): Route {
  const parts = pathname
    .split("/")
    .filter((part) => part !== "")
    .map(decodeURIComponent);
  if (parts[0] === "executions" && parts[1] !== undefined) {
    if (parts[2] === "checkpoints" && parts[3] !== undefined)
      return { page: "execution", executionId: parts[1], checkpointId: parts[3] };
    return { page: "execution", executionId: parts[1] };
  }
  return { page: "executions" };
}

/** The path of a route. */
export function routePath(route: Route): string {
  if (route.page === "executions") return "/";
  const base = `/executions/${encodeURIComponent(route.executionId)}`;
  return route.checkpointId === undefined ? base : `${base}/checkpoints/${encodeURIComponent(route.checkpointId)}`;
}

/** Goes to `route`, adding a history entry (or replacing the current one). */
export function navigate(route: Route, replace = false): void {
  const path = routePath(route);
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new Event("lg-navigate"));
}

/** The current route, following the back and forward buttons. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    window.addEventListener("popstate", update);
    window.addEventListener("lg-navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("lg-navigate", update);
    };
  }, []);
  return route;
}
