#!/usr/bin/env node
import { runCli } from "./cli/program.js";

// A reader that stops early (`lg-checkpoints export | head`) closes the pipe: stop quietly, as other tools do.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  process.stderr.write(`lg-checkpoints: cannot write the output: ${error.message}\n`);
  process.exit(1);
});

// The exit code is set, not forced with process.exit(), so that buffered stdout (a backup piped to a file) is
// flushed before the process ends; every store is closed by the command, so nothing keeps the process alive.
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lg-checkpoints: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
