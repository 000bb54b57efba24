import type { IncomingMessage } from "node:http";

/**
 * Reads the JSON body of an API request: `application/json` only (a page on another site cannot send that without
 * the browser asking first, which this server never allows) and at most {@link MAX_BODY_BYTES}.
 *
 * @packageDocumentation
 */

/** The largest body accepted: an edited state of a few megabytes fits. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** A body read, or why it was refused (the status and error body to answer with). */
export type BodyResult = { value: unknown } | { status: number; refused: { error: { message: string } } };

const refuse = (status: number, message: string): BodyResult => ({ status, refused: { error: { message } } });

/** Reads and parses the body of `request`. */
export async function readJsonBody(request: IncomingMessage): Promise<BodyResult> {
  const type = request.headers["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) return refuse(415, "send the body as application/json");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return refuse(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return { value: undefined };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return refuse(400, "the body is not valid JSON");
  }
}
