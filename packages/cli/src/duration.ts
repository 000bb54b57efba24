import { InvalidArgumentError } from "@lg/core";

/**
 * Durations on the command line: `30s`, `15m`, `12h`, `7d`, `2w`.
 *
 * @packageDocumentation
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses `<positive integer><s|m|h|d|w>` into milliseconds; throws `InvalidArgumentError` otherwise. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+)\s*([smhdw])\s*$/i.exec(text);
  const amount = match?.[1] === undefined ? NaN : Number(match[1]);
  const unit = UNIT_MS[(match?.[2] ?? "").toLowerCase()];
  if (!Number.isSafeInteger(amount) || amount <= 0 || unit === undefined) {
    throw new InvalidArgumentError(
      `"${text}" is not a duration: write a positive number and a unit, e.g. 30m, 12h, 7d, 2w`,
    );
  }
  return amount * unit;
}
