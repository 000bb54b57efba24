import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/**
 * The inspector's access control. It can change data (edits, forks), so, as notebook servers do, it listens on the
 * loopback interface and asks for a random token: given once in the printed URL (`?token=…`), then kept in an
 * `HttpOnly`, `SameSite=Strict` cookie, or sent as `Authorization: Bearer …` by scripts. The `Host` header must
 * name the server itself, so a page on another site cannot reach it through a rebound DNS name.
 *
 * @packageDocumentation
 */

/** Name of the cookie that carries the token after the first visit. */
export const TOKEN_COOKIE = "lg_inspector_token";

/** A new random access token: 192 bits, URL-safe. */
export function createAccessToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Compares in constant time, so response timing does not reveal how much of a guess was right. */
function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === TOKEN_COOKIE) return value.join("=");
  }
  return undefined;
}

/** How a request stands with the token: refused, allowed, or allowed through `?token=` (set the cookie then). */
export type Access = "refused" | "allowed" | "allowed-by-query";

/** Decides whether `request` (whose URL is `url`) may be served. */
export function checkAccess(request: IncomingMessage, url: URL, token: string): Access {
  if (sameToken(url.searchParams.get("token") ?? undefined, token)) return "allowed-by-query";
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
  if (sameToken(bearer, token) || sameToken(cookieToken(request.headers.cookie), token)) return "allowed";
  return "refused";
}

/** The `Set-Cookie` value that keeps the token for later requests of this browser. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/**
 * Whether the `Host` header names this server: `localhost`, the host it was bound to, or an IP address (a page on
 * another site reaches a local server through a DNS name it rebinds to 127.0.0.1; a name is what it cannot avoid
 * sending, so any other name is refused), with the server's port.
 */
export function hostAllowed(request: IncomingMessage, boundHost: string, port: number): boolean {
  const host = request.headers.host;
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return false;
  }
  const given = url.port === "" ? "80" : url.port; // the URL drops a default port
  if (given !== String(port) || url.username !== "" || url.pathname !== "/") return false;
  const name = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return name === "localhost" || name === boundHost || isIP(name) !== 0;
}
