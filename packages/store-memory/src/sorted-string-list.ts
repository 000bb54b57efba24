import { compareCodePoints } from "@lg/core/store";
/** Up to this many parked strings are spliced in one by one; more are merged in a single linear pass. */
const SPLICE_MERGE_LIMIT = 32;

/**
 * A set of strings that pages in code point order (`compareCodePoints` from core, the order SQL and Redis use),
 * for `listExecutions`.
 *
 * Cost model (n strings held):
 * - `add` is O(1). A string greater than every sorted one is appended (ids from `createExecutionId` are
 *   time-ordered, so this is the usual case); any other is parked in an unsorted `pending` buffer instead of being
 *   spliced into the middle, which would move half the array on every new execution.
 * - `remove` is a binary search plus one splice; executions are removed far less often than created.
 * - `pageAfter` first merges `pending`, only when something was parked since the previous page: the k parked
 *   strings are sorted, then spliced in one by one when k is small (k binary searches and native memmoves) or
 *   merged in one linear pass otherwise (O(n + k log k)). It then binary-searches the cursor and slices `limit`
 *   strings. Paging an unchanged set never sorts or scans it.
 */
export class SortedStringList {
  private sorted: string[] = [];
  private pending: string[] = [];
  private readonly members = new Set<string>();

  /** Number of strings held. */
  get size(): number {
    return this.members.size;
  }

  /** Adds `value` unless it is already present. */
  add(value: string): void {
    if (this.members.has(value)) return;
    this.members.add(value);
    const last = this.sorted[this.sorted.length - 1];
    if (this.pending.length === 0 && (last === undefined || compareCodePoints(last, value) < 0))
      this.sorted.push(value);
    else this.pending.push(value);
  }

  /** Removes `value` when present. */
  remove(value: string): void {
    if (!this.members.delete(value)) return;
    const index = lowerBound(this.sorted, value);
    if (this.sorted[index] === value) this.sorted.splice(index, 1);
    // Otherwise it is parked in `pending`; the next merge drops it because it is no longer a member.
  }

  /** Removes every string. */
  clear(): void {
    this.sorted = [];
    this.pending = [];
    this.members.clear();
  }

  /**
   * Up to `limit` strings that sort strictly after `cursor` (from the start when `cursor` is undefined), and
   * whether more follow them.
   */
  pageAfter(cursor: string | undefined, limit: number): { values: string[]; hasMore: boolean } {
    this.mergePending();
    const start = cursor === undefined ? 0 : upperBound(this.sorted, cursor);
    const end = Math.min(this.sorted.length, start + limit);
    return { values: this.sorted.slice(start, end), hasMore: end < this.sorted.length };
  }

  /** Sorts the parked strings that are still members (once each) and merges them into `sorted`. */
  private mergePending(): void {
    if (this.pending.length === 0) return;
    const parked = this.pending.filter((value) => this.members.has(value)).sort(compareCodePoints);
    this.pending = [];
    if (parked.length <= SPLICE_MERGE_LIMIT) {
      // A few strings: a binary search and a native memmove each beat comparing every held string in JS.
      for (const value of parked) {
        const index = lowerBound(this.sorted, value);
        if (this.sorted[index] !== value) this.sorted.splice(index, 0, value);
      }
      return;
    }
    const merged: string[] = new Array<string>();
    let i = 0;
    let j = 0;
    while (i < this.sorted.length || j < parked.length) {
      const a = this.sorted[i];
      const b = parked[j];
      let next: string;
      if (b === undefined || (a !== undefined && compareCodePoints(a, b) < 0)) {
        next = a as string;
        i++;
      } else {
        next = b;
        j++;
      }
      // A string removed and added again while parked appears twice in `parked`; keep one.
      if (merged[merged.length - 1] !== next) merged.push(next);
    }
    this.sorted = merged;
  }
}

/** Index of the first string `>= value` in an ascending array. */
function lowerBound(ascending: readonly string[], value: string): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareCodePoints(ascending[mid] as string, value) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first string `> value` in an ascending array. */
function upperBound(ascending: readonly string[], value: string): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareCodePoints(ascending[mid] as string, value) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
