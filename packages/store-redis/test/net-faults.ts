import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * Network faults for connection tests, on real sockets: a listener that accepts and never answers (the cheapest
 * hung server), and a TCP proxy in front of a real Redis that can swallow one reply and cut the connection, which
 * is how a command that was applied but whose answer was lost looks to the client.
 */

/** Starts `server` on a free port of 127.0.0.1 and resolves with the port. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (typeof address === "object" && address !== null) resolve(address.port);
      else reject(new Error("no port"));
    });
  });
}

/** Destroys `sockets` (the server's open connections) and closes `server`. */
export function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A TCP listener that accepts connections and never sends a byte. */
export class SilentServer {
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    /** Its port on 127.0.0.1. */
    readonly port: number,
  ) {
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => this.sockets.delete(socket));
      socket.resume(); // read and discard what the client sends, so its hang-up is seen and this side closes too
    });
  }

  /** Starts listening on a free port. */
  static async start(): Promise<SilentServer> {
    const server = createServer();
    return new SilentServer(server, await listen(server));
  }

  /** Connections accepted and still open. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** Closes every accepted connection and the listener. */
  close(): Promise<void> {
    return closeServer(this.server, this.sockets);
  }
}

/** A TCP proxy to a real server that can drop one reply and cut the connection it came on. */
export class CuttingProxy {
  private readonly sockets = new Set<Socket>();
  private armed: ((reply: Buffer) => void) | undefined;
  /** Connections the proxy accepted so far. */
  connections = 0;

  private constructor(
    private readonly server: Server,
    /** Its port on 127.0.0.1. */
    readonly port: number,
  ) {}

  /** Starts a proxy on a free port forwarding to `host:port`. */
  static async start(host: string, port: number): Promise<CuttingProxy> {
    const server = createServer();
    const proxy = new CuttingProxy(server, await listen(server));
    server.on("connection", (client) => proxy.forward(client, host, port));
    return proxy;
  }

  private forward(client: Socket, host: string, port: number): void {
    this.connections++;
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => {
      const armed = this.armed;
      if (armed === undefined) {
        client.write(chunk);
        return;
      }
      this.armed = undefined;
      client.destroy();
      upstream.destroy();
      armed(chunk);
    });
  }

  /**
   * Arms the proxy: the next reply from the server is not delivered, and the connection it came on is cut (both
   * sides). Resolves with the swallowed reply, so a test can tell what the server did with the command.
   */
  swallowNextReply(): Promise<Buffer> {
    return new Promise((resolve) => {
      this.armed = resolve;
    });
  }

  /** Closes every connection and the listener. */
  close(): Promise<void> {
    return closeServer(this.server, this.sockets);
  }
}

/** How many TCP sockets this process holds open (servers' listening sockets are not counted). */
export function openTcpSockets(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap").length;
}
