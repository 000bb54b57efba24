import { CRC32_FORMAT, linePrefix } from "./backup-formats.js";
import { crc32, writeHex8 } from "./checksum.js";

/**
 * Backup lines built straight into the bytes that are written: each checkpoint's text is encoded to UTF-8 once, into
 * the chunk, and its CRC-32 is taken over those bytes. Joining lines as strings first cost more than the rest of the
 * export (the joined text was flattened to count its bytes, then encoded again to write it).
 *
 * @packageDocumentation
 */

const PLACEHOLDER = "0".repeat(8);
const PREFIX = linePrefix(CRC32_FORMAT, PLACEHOLDER);
const CHECKSUM_AT = CRC32_FORMAT.head.length;
/** Bytes of a line beside its checkpoint's text: the prefix, the closing brace and the newline. */
const LINE_BYTES = PREFIX.length + 2;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;

/**
 * Bytes of lines a chunk holds before it is written out (by `export` and by each of its threads): one write per line
 * costs more than encoding.
 */
export const EXPORT_CHUNK_BYTES = 256 * 1024;

/** Chunks kept for reuse: about what a file stream has in flight at once. */
const MAX_SPARES = 4;

/** Fills chunks of backup lines (format 2) of about `chunkBytes` each. */
export class BackupChunks {
  private chunk: Buffer | undefined;
  private used = 0;
  /** Chunks written out and handed back (see {@link recycle}), of the usual capacity. */
  private readonly spares: Buffer[] = [];

  /** `chunkBytes`: the size at which {@link full} says to write the chunk out. */
  constructor(private readonly chunkBytes: number) {}

  /** Whether the chunk has reached its size and should be taken. */
  get full(): boolean {
    return this.used >= this.chunkBytes;
  }

  /**
   * Whether the line of `body` needs the chunk taken first: a UTF-8 character takes at most 3 bytes per UTF-16
   * unit, so room for 3 per unit always suffices, and counting the exact bytes first would read the text twice.
   */
  needsRoom(body: string): boolean {
    return this.chunk !== undefined && this.used + body.length * 3 + LINE_BYTES > this.chunk.length;
  }

  /** Appends the backup line of `body` (a checkpoint's JSON text). Call {@link needsRoom} first. */
  append(body: string): void {
    const need = body.length * 3 + LINE_BYTES;
    // Never the chunk last taken, which may still be queued in the stream being written: a spare handed back, or new.
    if (this.chunk === undefined) {
      const spare = need <= this.capacity ? this.spares.pop() : undefined;
      this.chunk = spare ?? Buffer.allocUnsafe(Math.max(this.capacity, need));
    }
    const chunk = this.chunk;
    const lineStart = this.used;
    const bodyStart = lineStart + chunk.write(PREFIX, lineStart, "latin1");
    const bodyEnd = bodyStart + chunk.write(body, bodyStart, "utf8");
    writeHex8(chunk, lineStart + CHECKSUM_AT, crc32(chunk.subarray(bodyStart, bodyEnd)));
    chunk[bodyEnd] = CLOSE_BRACE;
    chunk[bodyEnd + 1] = NEWLINE;
    this.used = bodyEnd + 2;
  }

  /** The size of a chunk's buffer: room for the last line past `chunkBytes`. */
  private get capacity(): number {
    return this.chunkBytes + (this.chunkBytes >>> 2);
  }

  /**
   * Hands back a chunk from {@link take} once the stream it was written to is done with it (its write callback),
   * to be filled again: a new buffer for every chunk costs more (its memory mapped, faulted in and unmapped) than
   * the lines it holds. Only for a stream that copies a chunk out before calling back (a file, a socket, a pipe).
   */
  recycle(chunk: Buffer): void {
    const whole = chunk.byteOffset === 0 && chunk.buffer.byteLength === this.capacity;
    if (whole && this.spares.length < MAX_SPARES) this.spares.push(Buffer.from(chunk.buffer, 0, this.capacity));
  }

  /** The lines appended since the last call (`undefined` when none); the next line starts a new chunk. */
  take(): Buffer | undefined {
    const chunk = this.chunk?.subarray(0, this.used);
    this.chunk = undefined;
    this.used = 0;
    return chunk !== undefined && chunk.length > 0 ? chunk : undefined;
  }
}

/**
 * Appends the line of every checkpoint text of `pages` to `chunks`, calling `flush(checkpoints)` whenever the chunk
 * is to be taken (full, or without room for the next line), with the checkpoints it holds. Resolves with the number of
 * checkpoints in the chunk not taken yet: the caller takes that last one.
 */
export async function fillChunks(
  pages: AsyncIterable<readonly { text: string }[]>,
  chunks: BackupChunks,
  flush: (checkpoints: number) => Promise<void>,
): Promise<number> {
  let checkpoints = 0;
  for await (const page of pages) {
    for (const { text } of page) {
      if (chunks.needsRoom(text)) {
        await flush(checkpoints);
        checkpoints = 0;
      }
      chunks.append(text);
      checkpoints++;
      if (chunks.full) {
        await flush(checkpoints);
        checkpoints = 0;
      }
    }
  }
  return checkpoints;
}
