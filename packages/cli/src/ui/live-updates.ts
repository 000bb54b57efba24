import type { ServerResponse } from "node:http";
import { redactSecrets, type CheckpointStore } from "@lg/core";
import { listExecutionsNewestFirst } from "../executions.js";

/**
 * Live updates for open pages, as server-sent events: while at least one page listens, the store is polled (the
 * contract has no change feed) and a `change` event goes out when the newest executions or the counts moved, so
 * pages refetch what they show instead of reloading.
 *
 * @packageDocumentation
 */

/** How many of the newest executions a poll compares. */
const WATCHED = 50;

/** Polls a store for changes and tells the pages listening. */
export class LiveUpdates {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private last: string | undefined;
  private polling = false;

  /** `pollMs`: how often the store is asked while a page listens. */
  constructor(
    private readonly store: CheckpointStore,
    private readonly pollMs: number,
  ) {}

  /** Streams events to `response` until the page goes away. */
  listen(response: ServerResponse): void {
    response.writeHead(200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
    });
    response.write(": connected\n\n");
    this.clients.add(response);
    response.on("close", () => {
      this.clients.delete(response);
      if (this.clients.size === 0) this.stop();
    });
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.poll(), this.pollMs);
      this.timer.unref();
    }
  }

  /** Ends every stream and stops polling. */
  close(): void {
    for (const client of this.clients) client.end();
    this.clients.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return; // a slow store: skip a beat rather than pile polls up
    this.polling = true;
    try {
      const page = await listExecutionsNewestFirst(this.store, { limit: WATCHED });
      const mark = JSON.stringify([
        page.total,
        page.executions.map((e) => [e.executionId, e.latestVersion, e.updatedAt.getTime()]),
      ]);
      if (this.last !== undefined && mark !== this.last) this.send("change", { executions: page.total });
      this.last = mark;
    } catch (error) {
      this.send("store-error", { message: redactSecrets(error instanceof Error ? error.message : String(error)) });
    } finally {
      this.polling = false;
    }
  }

  private send(event: string, data: unknown): void {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) client.write(text);
  }
}
