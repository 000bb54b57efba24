import type { CheckpointStore } from "@lg/core";

/** Where the health check writes its findings. */
export type Print = (line: string) => void;

/**
 * One round of the seed's `monitorCheckpointStore`: test the connection, then read the store's size and warn when
 * more than 90% of `quotaBytes` is used. A failed ping is an alert, not an exception: a monitor keeps running.
 */
export async function checkStoreHealth(
  name: string,
  store: CheckpointStore,
  print: Print,
  quotaBytes?: number,
): Promise<boolean> {
  try {
    await store.ping();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    print(`ALERT ${name}: checkpoint store connection failed (${String(code)}): ${(error as Error).message}`);
    return false;
  }
  const stats = await store.stats();
  print(`${name}: ${stats.checkpoints} checkpoints in ${stats.executions} executions, ${stats.bytes ?? "?"} bytes`);
  if (quotaBytes !== undefined && stats.bytes !== undefined && stats.bytes > 0.9 * quotaBytes) {
    print(`ALERT ${name}: storage space warning: ${((100 * stats.bytes) / quotaBytes).toFixed(1)}% of the quota used`);
  }
  return true;
}
