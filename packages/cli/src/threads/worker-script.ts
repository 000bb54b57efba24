import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * Where the worker threads' own bundle is, and whether it is there.
 *
 * @packageDocumentation
 */

/**
 * The worker threads' bundle: beside the bundle that runs this code (`dist/`, in both the ESM and the CJS build;
 * tsup's shim gives ESM a `__dirname`).
 */
export const WORKER_SCRIPT = join(__dirname, "worker.js");

/** Whether worker threads can be started: the package is built (not run from its sources, as in its unit tests). */
export function threadsAvailable(): boolean {
  return existsSync(WORKER_SCRIPT);
}
