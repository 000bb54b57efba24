import type { MutantName } from "./catalogue.js";

/**
 * What the columns of a SQL backend do to a value on the way in and out, correct or with a planted bug: the
 * timestamp and version columns, and the UTF-8 driver that turns a lone surrogate into U+FFFD.
 */

const BERLIN = new Intl.DateTimeFormat("en-US", {
  timeZone: "Europe/Berlin",
  hourCycle: "h23",
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
  second: "numeric",
});

/** The Berlin wall-clock time of `ms`, as if it were UTC (what a DATETIME column written in local time holds). */
function berlinWallClock(ms: number): number {
  const parts = Object.fromEntries(BERLIN.formatToParts(new Date(ms)).map((p) => [p.type, Number(p.value)]));
  const whole = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day, parts.hour, parts.minute, parts.second);
  return whole + (((ms % 1000) + 1000) % 1000);
}

/** Reads a Berlin wall-clock time back the way a driver does: the first instant showing it (summer time first). */
function fromBerlinWallClock(wall: number): number {
  for (const offsetHours of [2, 1]) {
    const candidate = wall - offsetHours * 3_600_000;
    if (berlinWallClock(candidate) === wall) return candidate;
  }
  return wall - 3_600_000;
}

/** The timestamp column's stored value. */
export function writeTimestamp(ms: number, mutant: MutantName | undefined): number {
  switch (mutant) {
    case "timestamp-int32-seconds":
      return (Math.floor(ms / 1000) | 0) * 1000 + (ms % 1000);
    case "timestamp-local-time":
      return berlinWallClock(ms);
    case "timestamp-whole-seconds":
      return Math.floor(ms / 1000) * 1000;
    default:
      return ms;
  }
}

/** The instant a stored timestamp column value reads back as. */
export function readTimestamp(stored: number, mutant: MutantName | undefined): number {
  return mutant === "timestamp-local-time" ? fromBerlinWallClock(stored) : stored;
}

/** The version column's stored value. */
export function writeVersion(version: number, mutant: MutantName | undefined): number {
  return mutant === "version-int32" ? version | 0 : version;
}

/** What a UTF-8 driver sends for a string: lone surrogates become U+FFFD. */
export function throughDriver(text: string): string {
  return Buffer.from(text, "utf8").toString("utf8");
}
