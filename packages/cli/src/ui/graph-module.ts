import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  InvalidArgumentError,
  isCompiledGraph,
  type CheckpointStore,
  type CompiledGraph,
  type GraphInput,
  type InvokeOptions,
  type RunResult,
} from "@lg/core";

/**
 * The graph the inspector resumes, answers and forks executions with: `--graph ./app.js#graph` names a module and
 * one of its exports — a compiled graph (run on the inspector's store through `runOn`) or a function that takes the
 * store and returns one. TypeScript modules load through `tsx` when it is installed.
 *
 * @packageDocumentation
 */

/** A graph bound to the inspector's store: what the page's actions run. */
export interface InspectorGraph {
  /** Where it came from, for messages. */
  source: string;
  /** The compiled graph (its structure is drawn from it). */
  graph: CompiledGraph<object>;
  /** Runs it on the inspector's store, as `invoke` would. */
  run(input: GraphInput<object>, options: InvokeOptions): Promise<RunResult<object>>;
}

/** Splits `path#export` (the export defaults to `graph`, then `default`). */
export function parseGraphSpecifier(specifier: string): { path: string; exportName: string | undefined } {
  const at = specifier.lastIndexOf("#");
  if (at === -1) return { path: specifier, exportName: undefined };
  const exportName = specifier.slice(at + 1);
  if (exportName === "") throw new InvalidArgumentError(`--graph ${specifier}: nothing after "#" (name an export)`);
  return { path: specifier.slice(0, at), exportName };
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  if (/\.(c|m)?ts$/.test(path)) {
    try {
      const api = (await import("tsx/esm/api")) as { register: () => unknown };
      api.register();
    } catch (error) {
      throw new InvalidArgumentError(
        `--graph ${path} is TypeScript: install tsx beside @lg/cli to load it, or point --graph at built ` +
          `JavaScript (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

/**
 * Loads the graph of `specifier` (`./app.js#graph`, relative to `cwd`) and binds it to `store`. Rejects with
 * `InvalidArgumentError` when the file, the export or a compiled graph is not there.
 */
export async function loadGraphModule(
  specifier: string,
  store: CheckpointStore,
  cwd = process.cwd(),
): Promise<InspectorGraph> {
  const { path, exportName } = parseGraphSpecifier(specifier);
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new InvalidArgumentError(`--graph ${specifier}: no file at ${file}`);
  const module = await importModule(file);
  const names = exportName === undefined ? ["graph", "default"] : [exportName];
  const name = names.find((n) => module[n] !== undefined);
  if (name === undefined) {
    throw new InvalidArgumentError(
      `--graph ${specifier}: the module exports no ${names.join(" or ")} (exports: ${Object.keys(module).join(", ") || "none"})`,
    );
  }
  let exported = module[name];
  if (typeof exported === "function" && !isCompiledGraph(exported))
    exported = await (exported as (s: CheckpointStore) => unknown)(store);
  if (!isCompiledGraph<object>(exported)) {
    throw new InvalidArgumentError(
      `--graph ${specifier}: export ${name} is neither a compiled graph nor a function of the store returning one`,
    );
  }
  const graph = exported;
  return {
    source: `${file}#${name}`,
    graph,
    run: (input, options) => graph.runOn(store, input, options),
  };
}
