import { messageOf, type Checkpoint } from "@lg/core";
import { decodeCheckpoint, encodeCheckpoint, isTagFree, type EncodedCheckpoint } from "@lg/core/store";
import {
  CRC32_FORMAT,
  FORMATS,
  linePrefix,
  MIDDLE,
  READ_VERSIONS,
  VERSION_AT,
  type LineFormat,
} from "./backup-formats.js";
import { BackupLineError } from "./errors.js";

/**
 * The backup format: JSON Lines, one checkpoint per line, encoded with core's serializer (so every type it keeps
 * survives), with a checksum of the checkpoint's JSON text on the same line. Format 2 (written) carries a CRC-32,
 * format 1 (still read) a SHA-256:
 *
 * `{"lgBackup":2,"crc32":"<8 hex digits>","checkpoint":{…encodeCheckpoint(cp)…}}`
 * `{"lgBackup":1,"sha256":"<64 hex digits>","checkpoint":{…}}`
 *
 * The checksum covers the UTF-8 bytes of the exact text after `"checkpoint":`, so a reader checks it on the bytes it
 * read, without re-serializing; a line re-formatted by another tool (keys reordered, spaces added) is still accepted
 * when the checkpoint it holds re-serializes to the checksummed text. The checksum is there to catch a line altered
 * or cut by accident (a disk, a transfer, an editor), not a forgery: anyone can recompute either.
 *
 * @packageDocumentation
 */

/** The format version written in every line (`"lgBackup":2`); versions 1 and 2 are read. */
export const BACKUP_FORMAT_VERSION = CRC32_FORMAT.version;

/** Encodes one checkpoint as a backup line (without the newline). */
export function encodeBackupLine(checkpoint: Checkpoint): string {
  return backupLineOf(JSON.stringify(encodeCheckpoint(checkpoint)));
}

/**
 * The backup line (without the newline) of a checkpoint already serialized: `body` is the JSON text of its encoded
 * form (`serializeCheckpoint`, or a store's `listSerialized`), kept as it is, keys in any order.
 */
export function backupLineOf(body: string): string {
  return `${linePrefix(CRC32_FORMAT, CRC32_FORMAT.checksum(body))}${body}}`;
}

/** A line's parts: its checksum, the checkpoint's text and, when the line was parsed whole, the parsed checkpoint. */
interface LineParts {
  format: LineFormat;
  hash: string;
  body: string;
  /** The bytes the checksum covers (a slice of what was read), when the line is canonical. */
  bodyBytes?: Uint8Array;
  parsed?: unknown;
}

/** Splits a line in the layout {@link backupLineOf} writes without parsing it; else `undefined`. */
function splitCanonical(bytes: Buffer, start: number, end: number): LineParts | undefined {
  const format = FORMATS.get((bytes[start + VERSION_AT] ?? 0) - 0x30); // the version digit
  if (format === undefined || end - start <= format.bodyStart + 1 || bytes[end - 1] !== 0x7d /* } */) return undefined;
  const prefix = bytes.toString("latin1", start, start + format.bodyStart);
  if (!prefix.startsWith(format.head) || !prefix.endsWith(MIDDLE)) return undefined;
  const bodyBytes = bytes.subarray(start + format.bodyStart, end - 1);
  const hash = prefix.slice(format.head.length, format.bodyStart - MIDDLE.length);
  return { format, hash, body: bodyBytes.toString("utf8"), bodyBytes };
}

/** Reads a line in any JSON layout: parses it and re-serializes the checkpoint to check the checksum. */
function splitParsed(line: string, lineNumber: number): LineParts {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new BackupLineError(lineNumber, `not valid JSON (${messageOf(error)})`);
  }
  const record = parsed as Record<string, unknown> | null;
  if (record === null || typeof record !== "object" || record.lgBackup === undefined) {
    throw new BackupLineError(lineNumber, "not a backup record (no lgBackup field)");
  }
  const format = typeof record.lgBackup === "number" ? FORMATS.get(record.lgBackup) : undefined;
  if (format === undefined) {
    throw new BackupLineError(
      lineNumber,
      `backup format ${String(record.lgBackup)} is not supported (this CLI reads ${READ_VERSIONS})`,
    );
  }
  const hash = record[format.field];
  if (typeof hash !== "string" || record.checkpoint === undefined) {
    throw new BackupLineError(lineNumber, `the ${format.field} or checkpoint field is missing`);
  }
  return { format, hash, body: JSON.stringify(record.checkpoint), parsed: record.checkpoint };
}

function idOf(encoded: unknown): string | undefined {
  const id = (encoded as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id : undefined;
}

/**
 * Decodes the backup line held by `bytes[start, end)` (UTF-8, without its line break; 1-based `lineNumber`, for the
 * error) into a checkpoint. The checksum is checked over those bytes, so nothing is encoded again. Throws
 * {@link BackupLineError} naming the line when it is not JSON, its checksum does not match, or it does not hold a
 * valid checkpoint.
 */
export function decodeBackupBytes(bytes: Buffer, start: number, end: number, lineNumber: number): Checkpoint {
  const parts = splitCanonical(bytes, start, end) ?? splitParsed(bytes.toString("utf8", start, end), lineNumber);
  let encoded = parts.parsed;
  if (encoded === undefined) {
    try {
      encoded = JSON.parse(parts.body);
    } catch (error) {
      throw new BackupLineError(lineNumber, `not valid JSON (${messageOf(error)})`);
    }
  }
  const id = idOf(encoded);
  if (parts.format.checksum(parts.bodyBytes ?? parts.body) !== parts.hash) {
    throw new BackupLineError(lineNumber, "checksum mismatch (the line was altered or truncated)", id);
  }
  if (encoded === null || typeof encoded !== "object" || Array.isArray(encoded) || id === undefined) {
    throw new BackupLineError(lineNumber, "the checkpoint field is not a checkpoint", id);
  }
  try {
    return decodeCheckpoint(encoded as EncodedCheckpoint, { tagFree: isTagFree(parts.body) });
  } catch (error) {
    throw new BackupLineError(lineNumber, messageOf(error), id, { cause: error });
  }
}

/**
 * Decodes one backup line (1-based `lineNumber`, for the error) into a checkpoint, as {@link decodeBackupBytes}
 * does for bytes. Throws {@link BackupLineError} naming the line when it is not JSON, its checksum does not match,
 * or it does not hold a valid checkpoint.
 */
export function decodeBackupLine(line: string, lineNumber: number): Checkpoint {
  const bytes = Buffer.from(line, "utf8");
  return decodeBackupBytes(bytes, 0, bytes.length, lineNumber);
}
