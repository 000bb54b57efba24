import { Command, CommanderError } from "commander";
import { EXIT_CODES, errorLine, exitCodeOf, type ExitCode } from "../errors.js";
import { STORE_URL_ENV } from "../store-url.js";
import { createContext } from "./context.js";
import { registerCancelCommand } from "./cancel-command.js";
import { registerDataCommands } from "./data-commands.js";
import { registerExecutionsCommand } from "./executions-command.js";
import { registerInspectCommands } from "./inspect-commands.js";
import { processIo, type CliIo } from "./io.js";
import { registerUiCommand } from "./ui-command.js";

/**
 * The `lg-checkpoints` program: commander wiring only; the work is done by the library functions the commands call.
 *
 * @packageDocumentation
 */

/** The CLI's version, printed by `--version`. */
export const CLI_VERSION = "0.1.0";

const STORE_HELP = `
Store URLs (--store, or the ${STORE_URL_ENV} environment variable):
  sqlite:./checkpoints.db[?table=checkpoints]                      needs @lg/store-sqlite
  postgres://user:password@host:5432/db[?schema=public&table=checkpoints]  needs @lg/store-postgres
  redis://[:password@]host:6379[/db][?prefix=langgraph:]           needs @lg/store-redis
  memory:[name]                                                    needs @lg/store-memory; lives only inside one
                                                                   process, so a separate run never sees its data

Exit codes: 0 ok, 1 unexpected failure, 2 usage, 3 bad store URL, 4 store package missing, 5 store unreachable,
6 execution or checkpoint not found, 7 corrupt backup line, 8 conflicting checkpoint, 9 copy count check failed,
10 the store keeps no execution registry (executions --status, cancel).
Passwords in URLs are never printed.`;

function buildProgram(io: CliIo): Command {
  const ctx = createContext(io);
  const program = new Command("lg-checkpoints")
    .description("inspect, diff, back up, restore, copy and prune @lg checkpoints in any store")
    .version(CLI_VERSION)
    .option("-s, --store <url>", `store URL (default: $${STORE_URL_ENV})`)
    .addHelpText("after", STORE_HELP)
    .showHelpAfterError("(run lg-checkpoints --help for usage)")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(text),
    })
    .exitOverride();
  registerExecutionsCommand(program, ctx);
  registerInspectCommands(program, ctx);
  registerCancelCommand(program, ctx);
  registerDataCommands(program, ctx);
  registerUiCommand(program, ctx);
  // Every subcommand reports usage errors the same way as the program.
  for (const command of program.commands)
    command.exitOverride().showHelpAfterError("(run lg-checkpoints help " + command.name() + " for usage)");
  return program;
}

/**
 * Runs `lg-checkpoints` with `args` (without `node` and the script) and returns the exit code; never throws. A
 * failure is reported as one line on stderr, with any password replaced by `***`.
 */
export async function runCli(args: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...args], { from: "user" });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end through the same path; commander has already printed what it had to.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    io.stderr.write(`${errorLine(error)}\n`);
    return exitCodeOf(error);
  }
}
