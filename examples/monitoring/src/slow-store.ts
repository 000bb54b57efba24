import type { CheckpointStore } from "@lg/core";
import { forwardStore } from "@lg/core/store";

/**
 * Makes the `nth` save (1-based) of `store` wait `delayMs` before it is written: a disk or a network that stalls
 * once, so that the slow-save alert has something to report.
 */
export function withOneSlowSave(store: CheckpointStore, nth: number, delayMs: number): CheckpointStore {
  let saves = 0;
  return forwardStore(store, {
    save: async (cp) => {
      saves++;
      if (saves === nth) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return store.save(cp);
    },
  });
}
