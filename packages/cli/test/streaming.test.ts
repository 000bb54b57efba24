import { Writable } from "node:stream";
import type { CheckpointStore, ListOptions } from "@lg/core";
import { MemoryCheckpointStore } from "@lg/store-memory";
import { createCheckpointChain, uniqueId } from "@lg/store-testkit";
import { exportCheckpoints, importCheckpoints } from "../src/index.js";
import { Readable } from "node:stream";

/** Records, in order, the store's list calls and the writes the export makes. */
function recording(store: CheckpointStore, events: string[]): CheckpointStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === "list") {
        return (executionId: string, options?: ListOptions) => {
          events.push(`list after ${options?.afterVersion ?? 0}`);
          return target.list(executionId, options);
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("export and import stream", () => {
  it("export writes its first lines before it reads the last page", async () => {
    const store = new MemoryCheckpointStore();
    const executionId = uniqueId("stream");
    // Each checkpoint ~50 kB, so a page of 10 fills the export's 256 kB chunk and is written at once.
    for (const cp of createCheckpointChain(executionId, 40, (v) => ({ v, blob: "x".repeat(50_000) })))
      await store.save(cp);
    const events: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        events.push(`write ${chunk.toString().split("\n").length - 1} lines`);
        done();
      },
    });
    const totals = await exportCheckpoints(recording(store, events), sink, { pageSize: 10 });
    expect(totals.checkpoints).toBe(40);
    const firstWrite = events.findIndex((e) => e.startsWith("write"));
    const lastList = events.lastIndexOf("list after 30");
    expect(firstWrite).toBeGreaterThan(-1);
    expect(firstWrite).toBeLessThan(lastList);
  });

  it("import keeps a bounded number of saves in flight", async () => {
    const source = new MemoryCheckpointStore();
    const executionId = uniqueId("bounded");
    for (const cp of createCheckpointChain(executionId, 200)) await source.save(cp);
    let backup = "";
    await exportCheckpoints(
      source,
      new Writable({ write: (c: Buffer, _e, done) => ((backup += c.toString()), done()) }),
    );
    const target = new MemoryCheckpointStore();
    let inFlight = 0;
    let peak = 0;
    const counting = new Proxy(target, {
      get(t, key) {
        if (key === "save") {
          return async (cp: Parameters<CheckpointStore["save"]>[0]) => {
            peak = Math.max(peak, ++inFlight);
            await new Promise((resolve) => setImmediate(resolve));
            await t.save(cp);
            inFlight--;
          };
        }
        const value = Reflect.get(t, key, t) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
    const totals = await importCheckpoints(counting, Readable.from([backup]), { concurrency: 4 });
    expect(totals.checkpoints).toBe(200);
    expect(peak).toBe(4);
    expect((await target.stats()).checkpoints).toBe(200);
  });
});
