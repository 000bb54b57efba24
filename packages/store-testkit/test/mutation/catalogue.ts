/**
 * The planted bugs of the mutation harness: each is a mistake a store author plausibly makes, applied one at a time
 * to {@link MutantStore}. The spec must fail on every one (kill it); a survivor is either a gap in the spec or is
 * named in {@link EXPECTED_SURVIVORS} with the reason the spec cannot see it.
 */
export const MUTANTS = {
  // save: the "same checkpoint" comparison of an idempotent re-save
  "resave-ignores-nodeName": "the identical re-save check ignores nodeName",
  "resave-ignores-metadata": "the identical re-save check ignores metadata",
  "resave-ignores-timestamp": "the identical re-save check ignores timestamp",
  "resave-ignores-parentId": "the identical re-save check ignores parentId",
  "resave-ignores-next": "the identical re-save check ignores next",
  "resave-ignores-state": "the identical re-save check ignores state",
  "resave-ignores-version": "the identical re-save check ignores version",
  "resave-raw-text": "re-saves compare stored text byte for byte (keys in another order conflict)",
  "resave-always-conflicts": "an identical re-save is rejected",
  "resave-overwrites": "the same id with different content overwrites",
  // save: version conflicts
  "version-overwrites": "a taken (executionId, version) is replaced",
  "conflict-plain-error": "a version conflict rejects with a plain Error",
  "version-unique-globally": "versions are unique across executions, not per execution",
  // column types
  "timestamp-int32-seconds": "TIMESTAMP-like 32-bit seconds column (wraps after 2038)",
  "timestamp-local-time": "DATETIME written and read in local wall-clock time (Europe/Berlin)",
  "timestamp-whole-seconds": "the timestamp column drops milliseconds",
  "version-int32": "a 32-bit version column",
  // reads
  "read-without-id-check": "reads pass a lone surrogate to the UTF-8 driver, which makes it U+FFFD",
  "load-missing-null": "load of a missing id resolves null",
  "decode-raw-json": "rows are parsed with JSON.parse first (a raw SyntaxError on corrupt data)",
  "load-cached-object": "load returns one cached object to every caller",
  "save-keeps-caller-object": "save keeps the caller's object and load returns it",
  // list and latest
  "list-insertion-order": "list is ordered by insertion, not version",
  "list-ignores-order": "list ignores order: desc",
  "list-ignores-limit": "list ignores limit",
  "list-before-inclusive": "beforeVersion is inclusive",
  "list-string-versions": "versions are sorted as strings",
  "execution-prefix-match": "execution ids match as a prefix (LIKE 'x%')",
  "latest-by-timestamp": "latest is the largest timestamp, not the highest version",
  "latest-by-insertion": "latest is the last one saved",
  // delete and clear
  "delete-noop": "delete removes nothing",
  "clear-noop": "clear removes nothing",
  "clear-prefix": "clear removes every execution starting with the id",
  // prune
  "prune-olderThan-inclusive": "prune olderThan compares with <= instead of <",
  "prune-ignores-protect": "prune ignores protect",
  "prune-deletes-newest": "prune olderThan may delete the newest checkpoint",
  "prune-returns-zero": "prune returns 0 instead of the number deleted",
  "prune-keepLast-by-insertion": "keepLast keeps the last saved, not the highest versions",
  // listExecutions
  "executions-updatedAt-max-timestamp": "updatedAt is the largest timestamp instead of the newest version's",
  "executions-cursor-on-full-page": "nextCursor on an exactly full last page",
  "executions-code-unit-order": "execution ids sorted by UTF-16 code units",
  "executions-cursor-inclusive": "the page after a cursor starts at the cursor",
  "executions-lowest-version": "latestVersion is the lowest version",
  "executions-no-validation": "limit 0 is accepted",
  // lifecycle and stats
  "stats-executions-as-checkpoints": "stats counts checkpoints as executions",
  "closed-reads-succeed": "reads keep working after close",
  "close-twice-throws": "a second close throws",
  "reopen-loses-data": "a new instance on the same location starts empty",
  // stored data
  "tasks-dropped": "Checkpoint.tasks is not stored although taskResults is declared",
  "state-plain-json": "state goes through JSON.stringify (Date, Map, BigInt lost)",
  // unreachable backend
  "unavailable-plain-error": "an unreachable server rejects with the driver's error",
  "unavailable-secret-in-cause": "the driver error carrying the URL with the password is the cause",
  "unavailable-secret-in-property": "the URL with the password is a property of the error",
  "unavailable-swallowed": "reads on an unreachable server resolve as if nothing were stored",
} as const;

/** The name of one planted bug. */
export type MutantName = keyof typeof MUTANTS;

/** Survivors the spec cannot kill, with why; the harness fails on any other survivor, and on one of these killed. */
export const EXPECTED_SURVIVORS: Partial<Record<MutantName, string>> = {};
