import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

/**
 * Serves the inspector's built front end (Vite's output) from one directory: only files inside it, a page route
 * answered with `index.html` (the app routes in the browser), and long caching for hashed assets.
 *
 * @packageDocumentation
 */

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
};

/** A file to send: its bytes, content type and cache policy. */
export interface StaticFile {
  /** File content. */
  body: Buffer;
  /** `Content-Type`. */
  type: string;
  /** `Cache-Control`. */
  cache: string;
}

async function fileAt(path: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return await readFile(path);
  } catch {
    return undefined;
  }
}

/**
 * The file for `pathname` under `root`: the asset itself, or `index.html` for a path without an extension (a page
 * of the app). `undefined` when neither exists or the path leaves `root`.
 */
export async function staticFile(root: string, pathname: string): Promise<StaticFile | undefined> {
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, "");
  } catch {
    return undefined;
  }
  if (relative.split(sep).includes("..")) return undefined;
  const extension = extname(relative);
  const path = extension === "" ? join(root, "index.html") : join(root, relative);
  const body = await fileAt(path);
  if (body === undefined) return undefined;
  const hashed = relative.startsWith(`assets${sep}`) || relative.startsWith("assets/");
  return {
    body,
    type: TYPES[extname(path)] ?? "application/octet-stream",
    cache: hashed ? "public, max-age=31536000, immutable" : "no-cache",
  };
}
