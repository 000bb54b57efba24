import { InvalidArgumentError as CommanderArgumentError } from "commander";
import { parseDuration } from "../duration.js";

/**
 * Argument parsers for commander options: they reject bad values with commander's own error, so the message
 * names the option and the run exits with the usage code.
 *
 * @packageDocumentation
 */

/** Parses a positive integer option value. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new CommanderArgumentError(`"${value}" is not a positive integer`);
  }
  return n;
}

/** Parses a duration option value (`30m`, `12h`, `7d`, `2w`) into milliseconds. */
export function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new CommanderArgumentError((error as Error).message);
  }
}
