import type { Command } from "commander";
import { cancelExecution, withRegistry } from "../registry.js";
import { storeUrlOf, withStore, type CommandContext } from "./context.js";
import { formatTime, writeLine } from "./output.js";

/**
 * `lg-checkpoints cancel <executionId>`: cancels an execution through the store's registry. A worker running it
 * loses its lease and commits nothing more; an execution that has already ended is left as it is.
 *
 * @packageDocumentation
 */

/** Registers the `cancel` command. */
export function registerCancelCommand(program: Command, ctx: CommandContext): void {
  program
    .command("cancel")
    .description("cancel an execution that has not ended (queued, running or paused), through the store's registry")
    .argument("<executionId>", "the execution")
    .option("--json", "print the registry record after the call as JSON")
    .action(async (executionId: string, opts: { json?: boolean }, command: Command) => {
      const url = storeUrlOf(ctx, command.optsWithGlobals<{ store?: string }>().store);
      const record = await withStore(url, {}, (store, target) =>
        withRegistry(store, target.display, "cancel", (registry) => cancelExecution(registry, executionId)),
      );
      if (opts.json === true) {
        const { input: _input, ...fields } = record;
        writeLine(
          ctx.io.stdout,
          JSON.stringify({
            ...fields,
            createdAt: formatTime(record.createdAt),
            updatedAt: formatTime(record.updatedAt),
          }),
        );
        return;
      }
      const ended = record.status === "cancelled" ? "" : ctx.out.dim(" (it had already ended: left as it was)");
      writeLine(ctx.io.stdout, `${executionId}: ${record.status}${ended}`);
    });
}
