import { InvalidArgumentError as CommanderArgumentError } from "commander";
import type { ExecutionStatus } from "@lg/core";
import { parseDuration } from "../duration.js";
import { parseStatuses } from "../registry.js";

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

/** The most `--jobs` accepts: each thread holds its own heap and its own connection (a pool, on a server). */
export const MAX_JOBS = 16;

/** Parses `--jobs`: a positive integer up to {@link MAX_JOBS}. */
export function jobCount(value: string): number {
  const n = positiveInteger(value);
  if (n > MAX_JOBS) throw new CommanderArgumentError(`"${value}" is more than ${MAX_JOBS} threads`);
  return n;
}

/** `parse` with its errors turned into commander's, so that a bad value names the option and exits with the usage code. */
function optionParser<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new CommanderArgumentError((error as Error).message);
    }
  };
}

/** Parses a duration option value (`30m`, `12h`, `7d`, `2w`) into milliseconds. */
export const duration: (value: string) => number = optionParser(parseDuration);

/** Parses a comma-separated list of registry statuses (`queued,running`). */
export const statusList: (value: string) => ExecutionStatus[] = optionParser(parseStatuses);
