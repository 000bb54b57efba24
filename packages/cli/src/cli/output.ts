import { inspect } from "node:util";
import Table from "cli-table3";
import pc from "picocolors";
import type { CliIo, OutputStream } from "./io.js";

/**
 * Formatting shared by the commands: colours (only on a terminal, never with `NO_COLOR`), borderless tables, sizes
 * and values.
 *
 * @packageDocumentation
 */

/** The colour functions of one run (identity functions when colour is off). */
export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Whether `stream` gets colour: `NO_COLOR` (any non-empty value) turns it off, `FORCE_COLOR` (other than `0`) on;
 * otherwise only a terminal whose `TERM` is not `dumb` gets it.
 */
export function colorEnabled(stream: OutputStream, env: CliIo["env"]): boolean {
  if ((env.NO_COLOR ?? "") !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0";
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** Colour functions for `stream`. */
export function colorsFor(stream: OutputStream, env: CliIo["env"]): Colors {
  return pc.createColors(colorEnabled(stream, env));
}

const NO_BORDERS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};

/** A borderless, left-aligned table with a bold header row; cells are strings. */
export function renderTable(colors: Colors, head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const table = new Table({
    head: head.map((h) => colors.bold(h)),
    chars: NO_BORDERS,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
  });
  for (const row of rows) table.push([...row]);
  // cli-table3 pads the last column too; trailing spaces only make copied output noisy.
  return table
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

/** `1.2 kB`, `34 B`, `5.6 MB` (powers of 1000). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = "B";
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`;
}

/** A date as an ISO string in UTC, to the millisecond (stable in logs and tests). */
export function formatTime(date: Date): string {
  return date.toISOString();
}

/** A value on one line, as Node prints it (`Map(1) { 'a' => 1 }`, `2025-01-01T00:00:00.000Z`, `12n`). */
export function formatValue(value: unknown, colors: boolean): string {
  return inspect(value, {
    depth: 4,
    colors,
    breakLength: Infinity,
    compact: true,
    maxArrayLength: 20,
    maxStringLength: 200,
  });
}

/** A value on several lines, fully expanded. */
export function formatBlock(value: unknown, colors: boolean): string {
  return inspect(value, { depth: null, colors, breakLength: 100, maxArrayLength: 1000, maxStringLength: 10_000 });
}

/** Writes `text` plus a newline. */
export function writeLine(stream: OutputStream, text = ""): void {
  stream.write(`${text}\n`);
}
