/**
 * Values that break plausible store bugs, shared by the per-concern specs: each is here because a real column type,
 * driver or clock setting gets it wrong while every ordinary value passes.
 */

/** Instants a store must keep exactly, each with the mistake it catches. */
export const AWKWARD_INSTANTS: readonly { iso: string; why: string }[] = [
  // A 32-bit Unix time (MySQL TIMESTAMP, an int32 seconds column) ends at 2038-01-19T03:14:07Z.
  { iso: "2038-01-19T03:14:08.001Z", why: "one second after 32-bit Unix time ends" },
  { iso: "2100-03-01T00:00:00.999Z", why: "far after 2038" },
  // Both instants of the repeated autumn hour: a column written in local wall-clock time reads one of them back
  // an hour off in any zone with that clock change (Central Europe, then US Eastern), whatever this machine's zone.
  { iso: "2026-10-25T00:30:00.250Z", why: "first 02:30 of the Central European autumn clock change" },
  { iso: "2026-10-25T01:30:00.250Z", why: "second 02:30 of the Central European autumn clock change" },
  { iso: "2026-11-01T05:30:00.500Z", why: "first 01:30 of the US Eastern autumn clock change" },
  { iso: "2026-11-01T06:30:00.500Z", why: "second 01:30 of the US Eastern autumn clock change" },
];

/** Versions that a 32-bit integer column cannot hold (ascending). */
export const LARGE_VERSIONS: readonly number[] = [2 ** 31, 2 ** 32 + 1, 2 ** 40 + 3];
