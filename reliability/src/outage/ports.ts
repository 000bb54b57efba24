import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Ports for servers the suite stops and starts again. A port from the ephemeral range (what port 0 gives) can be
 * taken, while its server is down, as the local port of any outgoing connection on the machine, and the restart then
 * fails with "Address already in use". A port below the range is never handed out that way.
 */

const FALLBACK_EPHEMERAL_START = 32768;
const LOWEST = 20000;
const ATTEMPTS = 50;

function ephemeralStart(): number {
  try {
    const [start] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    return Number(start) || FALLBACK_EPHEMERAL_START;
  } catch {
    return FALLBACK_EPHEMERAL_START; // not Linux: the IANA range starts at 49152, the Linux default lower
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free port on 127.0.0.1 below the ephemeral range, chosen at random among those free now. */
export async function restartablePort(): Promise<number> {
  const highest = ephemeralStart() - 1;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${highest}`);
}
