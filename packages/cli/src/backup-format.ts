import { createHash } from "node:crypto";
import { messageOf, type Checkpoint } from "@lg/core";
import { decodeCheckpoint, encodeCheckpoint, isTagFree, type EncodedCheckpoint } from "@lg/core/store";
import { BackupLineError } from "./errors.js";

/**
 * The backup format: JSON Lines, one checkpoint per line, encoded with core's serializer (so every type it keeps
 * survives), with a SHA-256 of the checkpoint's JSON text on the same line:
 *
 * `{"lgBackup":1,"sha256":"<64 hex digits>","checkpoint":{…encodeCheckpoint(cp)…}}`
 *
 * The checksum covers the exact text after `"checkpoint":`, so a reader checks it without re-serializing; a line
 * re-formatted by another tool (keys reordered, spaces added) is still accepted when the checkpoint it holds
 * re-serializes to the checksummed text.
 *
 * @packageDocumentation
 */

/** The format version written in every line (`"lgBackup":1`). */
export const BACKUP_FORMAT_VERSION = 1;

const HEAD = `{"lgBackup":${BACKUP_FORMAT_VERSION},"sha256":"`;
const HASH_LENGTH = 64;
const MIDDLE = '","checkpoint":';
const BODY_START = HEAD.length + HASH_LENGTH + MIDDLE.length;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Encodes one checkpoint as a backup line (without the newline). */
export function encodeBackupLine(checkpoint: Checkpoint): string {
  return backupLineOf(JSON.stringify(encodeCheckpoint(checkpoint)));
}

/**
 * The backup line (without the newline) of a checkpoint already serialized: `body` is the JSON text of its encoded
 * form (`serializeCheckpoint`, or a store's `listSerialized`), kept as it is, keys in any order.
 */
export function backupLineOf(body: string): string {
  return `${HEAD}${sha256(body)}${MIDDLE}${body}}`;
}

/** Splits a line written by {@link encodeBackupLine} into checksum and body without parsing it; else `undefined`. */
function splitCanonical(line: string): { hash: string; body: string } | undefined {
  if (!line.startsWith(HEAD) || !line.endsWith("}") || line.length <= BODY_START + 1) return undefined;
  if (line.slice(HEAD.length + HASH_LENGTH, BODY_START) !== MIDDLE) return undefined;
  return { hash: line.slice(HEAD.length, HEAD.length + HASH_LENGTH), body: line.slice(BODY_START, -1) };
}

/** Reads a line in any JSON layout: parses it and re-serializes the checkpoint to check the checksum. */
function splitParsed(line: string, lineNumber: number): { hash: string; body: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new BackupLineError(lineNumber, `not valid JSON (${messageOf(error)})`);
  }
  const record = parsed as { lgBackup?: unknown; sha256?: unknown; checkpoint?: unknown } | null;
  if (record === null || typeof record !== "object" || record.lgBackup === undefined) {
    throw new BackupLineError(lineNumber, "not a backup record (no lgBackup field)");
  }
  if (record.lgBackup !== BACKUP_FORMAT_VERSION) {
    throw new BackupLineError(
      lineNumber,
      `backup format ${String(record.lgBackup)} is not supported (this CLI reads ${BACKUP_FORMAT_VERSION})`,
    );
  }
  if (typeof record.sha256 !== "string" || record.checkpoint === undefined) {
    throw new BackupLineError(lineNumber, "the sha256 or checkpoint field is missing");
  }
  return { hash: record.sha256, body: JSON.stringify(record.checkpoint) };
}

function idOf(encoded: unknown): string | undefined {
  const id = (encoded as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id : undefined;
}

/**
 * Decodes one backup line (1-based `lineNumber`, for the error) into a checkpoint. Throws {@link BackupLineError}
 * naming the line when it is not JSON, its checksum does not match, or it does not hold a valid checkpoint.
 */
export function decodeBackupLine(line: string, lineNumber: number): Checkpoint {
  const { hash, body } = splitCanonical(line) ?? splitParsed(line, lineNumber);
  let encoded: unknown;
  try {
    encoded = JSON.parse(body);
  } catch (error) {
    throw new BackupLineError(lineNumber, `not valid JSON (${messageOf(error)})`);
  }
  const id = idOf(encoded);
  if (sha256(body) !== hash) {
    throw new BackupLineError(lineNumber, "checksum mismatch (the line was altered or truncated)", id);
  }
  if (encoded === null || typeof encoded !== "object" || Array.isArray(encoded) || id === undefined) {
    throw new BackupLineError(lineNumber, "the checkpoint field is not a checkpoint", id);
  }
  try {
    return decodeCheckpoint(encoded as EncodedCheckpoint, { tagFree: isTagFree(body) });
  } catch (error) {
    throw new BackupLineError(lineNumber, messageOf(error), id, { cause: error });
  }
}
