import { CORRUPT_CASES, SCHEMA_CASES } from "./corrupt-cases.js";
import { BUILD_CASES, INVOKE_CASES, RUN_STATE_CASES, UPDATE_CASES } from "./graph-cases.js";
import { OPTION_CASES } from "./option-cases.js";
import { ARGUMENT_CASES, ID_CASES, STATE_CASES } from "./store-cases.js";
import type { BackendName, BadInputCase } from "./types.js";

/**
 * Every case, in the order they run on a backend: the schema damage last, since it leaves the table unreadable.
 */
export const ALL_CASES: readonly BadInputCase[] = [
  ...ID_CASES,
  ...ARGUMENT_CASES,
  ...STATE_CASES,
  ...RUN_STATE_CASES,
  ...BUILD_CASES,
  ...INVOKE_CASES,
  ...UPDATE_CASES,
  ...OPTION_CASES,
  ...CORRUPT_CASES,
  ...SCHEMA_CASES,
];

/** The cases that apply to `backend`. */
export function casesFor(backend: BackendName): BadInputCase[] {
  return ALL_CASES.filter((c) => c.backends === undefined || c.backends.includes(backend));
}
