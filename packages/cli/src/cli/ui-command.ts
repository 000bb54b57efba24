import type { Command } from "commander";
import { InvalidArgumentError as CommanderArgumentError } from "commander";
import { loadGraphModule } from "../ui/graph-module.js";
import { startInspector } from "../ui/server.js";
import { positiveInteger } from "./arguments.js";
import { storeUrlOf, withStore, type CommandContext } from "./context.js";
import { writeLine } from "./output.js";

/**
 * `lg-checkpoints ui`: serves the browser inspector over the store of the URL until the process is stopped
 * (Ctrl-C, SIGTERM) or, in-process, until the run's `stop` signal aborts.
 *
 * @packageDocumentation
 */

function port(value: string): number {
  if (value === "0") return 0;
  const n = positiveInteger(value);
  if (n > 65535) throw new CommanderArgumentError(`"${value}" is not a port (1–65535, or 0 for a free one)`);
  return n;
}

/** Resolves when the run is told to stop: the io's signal, else SIGINT or SIGTERM of the process. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal !== undefined) {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
      return;
    }
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Registers the `ui` command. */
export function registerUiCommand(program: Command, ctx: CommandContext): void {
  program
    .command("ui")
    .description("serve the browser inspector (executions, timelines, states, diffs) on 127.0.0.1")
    .option("--port <n>", "port to listen on (default: a free one)", port, 0)
    .option("--host <host>", "interface to listen on; anything but loopback exposes the store", "127.0.0.1")
    .option(
      "--graph <module#export>",
      "the graph (a compiled graph, or a function of the store returning one): enables resume, fork, answers and its drawing",
    )
    .action(async (opts: { port: number; host: string; graph?: string }, command: Command) => {
      const url = storeUrlOf(ctx, command.optsWithGlobals<{ store?: string }>().store);
      await withStore(url, {}, async (store) => {
        const graph = opts.graph === undefined ? undefined : await loadGraphModule(opts.graph, store);
        const inspector = await startInspector({
          store,
          host: opts.host,
          port: opts.port,
          ...(graph === undefined ? {} : { graph }),
        });
        writeLine(ctx.io.stdout, `Inspector running at ${inspector.url}`);
        writeLine(
          ctx.io.stderr,
          ctx.err.dim("The URL holds the access token: share it only with whom may edit this store. Ctrl-C stops."),
        );
        await stopped(ctx.io.stop);
        await inspector.close();
      });
    });
}
