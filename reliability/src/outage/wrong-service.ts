import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { closeServer, listen } from "../../../packages/store-redis/test/net-faults.js";

/**
 * A plain HTTP server on a free port: a wrong service where a database was expected (a port mix-up, a load
 * balancer's health page). It answers whatever a database client sends with `400 Bad Request` and closes.
 */
export class WrongServiceServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    /** Its port on 127.0.0.1. */
    readonly port: number,
  ) {
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  /** Starts listening on 127.0.0.1. */
  static async start(): Promise<WrongServiceServer> {
    const server = createServer((_request, response) => response.writeHead(404).end("not a database\n"));
    return new WrongServiceServer(server, await listen(server));
  }

  /** Closes the listener and every connection. */
  close(): Promise<void> {
    return closeServer(this.server, this.sockets);
  }
}
