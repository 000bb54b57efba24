import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { setPriority } from "node:os";

/**
 * Measures how long another client waits for `PING` while the store works: a separate Node process (so that the
 * test's own event loop, busy filling Redis and collecting garbage, cannot delay the measurement) sends `PING`
 * over a raw socket in a loop, one at a time about every millisecond, and reports the latencies when told to stop.
 */

/** Latencies of the pings sent, in milliseconds. */
export interface PingFigures {
  /** Pings answered. */
  count: number;
  /** Longest wait. */
  maxMs: number;
  /** 99th percentile. */
  p99Ms: number;
  /** Median. */
  p50Ms: number;
}

const PINGER_SOURCE = `
const net = require("node:net");
const samples = [];
let sentAt = 0n;
let stopping = false;
const socket = net.connect(Number(process.argv[1]), "127.0.0.1", () => {
  process.stdout.write("ready\\n");
  send();
});
socket.setNoDelay(true);
function send() { sentAt = process.hrtime.bigint(); socket.write("PING\\r\\n"); }
let buffered = "";
socket.on("data", (chunk) => {
  buffered += chunk.toString();
  while (buffered.includes("\\r\\n")) {
    buffered = buffered.slice(buffered.indexOf("\\r\\n") + 2);
    samples.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
    if (stopping) return finish();
    setTimeout(send, 1); // a pause, so the pinger does not take a core the server and the store need
  }
});
function finish() {
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  process.stdout.write(JSON.stringify({ count: samples.length, maxMs: samples[samples.length - 1] ?? 0, p99Ms: at(0.99), p50Ms: at(0.5) }) + "\\n");
  socket.destroy();
}
process.stdin.on("data", () => { stopping = true; });
`;

/**
 * Raises a process's scheduling priority when this process may (root, or CAP_SYS_NICE), so that a measurement of
 * how long Redis makes clients wait is not swamped by how long a loaded CI machine keeps a process off the CPU.
 * Returns whether it did.
 */
export function tryRaisePriority(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    setPriority(pid, -10);
    return true;
  } catch {
    return false; // not permitted: measure at normal priority
  }
}

/** A running pinger; {@link Pinger.stop} ends it and returns the figures. */
export class Pinger {
  private output = "";
  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
    });
  }

  /** Starts pinging the server on 127.0.0.1:`port` (at raised priority if allowed); resolves once pinging. */
  static async start(port: number): Promise<Pinger> {
    const child = spawn(process.execPath, ["-e", PINGER_SOURCE, String(port)], { stdio: ["pipe", "pipe", "inherit"] });
    tryRaisePriority(child.pid);
    const pinger = new Pinger(child);
    while (!pinger.output.includes("ready\n")) await once(child.stdout!, "data");
    return pinger;
  }

  /** Stops after the ping under way is answered and returns the latencies. */
  async stop(): Promise<PingFigures> {
    const exited = once(this.child, "exit");
    this.child.stdin?.end("stop\n");
    await exited;
    const line = this.output.split("\n").find((text) => text.startsWith("{"));
    if (line === undefined) throw new Error(`the pinger reported nothing: ${this.output}`);
    return JSON.parse(line) as PingFigures;
  }
}
