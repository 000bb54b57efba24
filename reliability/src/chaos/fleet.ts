import { fork, type ChildProcess } from "node:child_process";
import type { WorkerMessage, WorkerOrder } from "./protocol.js";

/** One worker process as the driver sees it. */
export interface WorkerProcess {
  /** Its id in the registry. */
  readonly id: string;
  /** The child process. */
  readonly child: ChildProcess;
  /** Resolves when it reported `ready`; rejects if it exits first. */
  readonly ready: Promise<void>;
  /** Resolves when it has exited (the IPC channel closed). */
  readonly closed: Promise<void>;
  /** Whether the driver killed it with SIGKILL. */
  killed: boolean;
  /** Whether it reported `ready` (it claims executions). */
  claiming: boolean;
  /** Milliseconds from its start to `ready`, once it got there. */
  startMs?: number;
}

/** An error the worker processes reported, with its reporter. */
export type ReportedError = Extract<WorkerMessage, { kind: "error" }>;

/**
 * The driver's worker processes: starts them from the compiled child script, keeps what they report, kills and
 * stops them. A process that exits without having been killed or stopped is an unexpected exit, kept in `crashes`.
 */
export class Fleet {
  /** Every worker process started, in order. */
  readonly started: WorkerProcess[] = [];
  /** Errors reported by the workers, in arrival order. */
  readonly errors: ReportedError[] = [];
  /** `waiting` reports of the zombie graph: worker id and execution. */
  readonly waiting: { workerId: string; executionId: string }[] = [];
  /** Descriptions of worker processes that exited on their own. */
  readonly crashes: string[] = [];
  private counter = 0;
  private stopping = false;

  constructor(
    private readonly script: string,
    private readonly order: Omit<WorkerOrder, "workerId">,
    private readonly name: string,
  ) {}

  /** Worker processes neither killed nor exited. */
  get live(): WorkerProcess[] {
    return this.started.filter(
      (worker) => !worker.killed && worker.child.exitCode === null && worker.child.signalCode === null,
    );
  }

  /** Starts one worker process (its id: the fleet's name and a counter); it claims once `ready` resolves. */
  start(overrides: Partial<WorkerOrder> = {}): WorkerProcess {
    const id = `${this.name}-${++this.counter}`;
    const order: WorkerOrder = { ...this.order, ...overrides, workerId: id };
    const forkedAt = Date.now();
    const child = fork(this.script, [JSON.stringify(order)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let markReady: () => void = () => undefined;
    let failReady: (error: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // A worker killed before it was ready is no failure of the awaiting caller's making; never unhandled.
    ready.catch(() => undefined);
    const worker: WorkerProcess = {
      id,
      child,
      ready,
      killed: false,
      claiming: false,
      closed: new Promise((resolve) => {
        child.once("close", (code, signal) => {
          failReady(
            new Error(`worker ${id} exited (code ${String(code)}, signal ${String(signal)}) before it was ready`),
          );
          if (!worker.killed && !this.stopping)
            this.crashes.push(`${id}: code ${String(code)}, signal ${String(signal)}`);
          resolve();
        });
      }),
    };
    child.on("message", (message: WorkerMessage) => {
      if (message.kind === "ready") {
        worker.claiming = true;
        worker.startMs = Date.now() - forkedAt;
        markReady();
      } else if (message.kind === "waiting")
        this.waiting.push({ workerId: message.workerId, executionId: message.executionId });
      else this.errors.push(message);
    });
    this.started.push(worker);
    return worker;
  }

  /** SIGKILLs `worker`; resolves with the time just before the signal was sent, once the process is gone. */
  async kill(worker: WorkerProcess): Promise<number> {
    worker.killed = true;
    const at = Date.now();
    worker.child.kill("SIGKILL");
    await worker.closed;
    return at;
  }

  /** Ends every process still running: SIGCONT (a stopped one), SIGTERM (graceful), SIGKILL after `graceMs`. */
  async stopAll(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    const running = this.started.filter((worker) => worker.child.exitCode === null && worker.child.signalCode === null);
    for (const worker of running) {
      worker.child.kill("SIGCONT");
      worker.child.kill("SIGTERM");
    }
    const timer = setTimeout(() => {
      for (const worker of running) worker.child.kill("SIGKILL");
    }, graceMs);
    await Promise.all(running.map((worker) => worker.closed));
    clearTimeout(timer);
  }
}
