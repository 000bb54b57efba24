/** What a worker process started by `main.ts` tells it (Node IPC), beside what it prints. */
export type WorkerMessage =
  /** The worker is claiming. */
  | { type: "ready"; worker: string; pid: number }
  /** A node started on this worker. */
  | { type: "node"; worker: string; order: string; node: string }
  /** The charge of `order` is recorded in the store. */
  | { type: "charged"; worker: string; order: string; receipt: string };
