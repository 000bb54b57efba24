import { serializeCheckpoint } from "@lg/core/store";
import { decodeBackupBytes } from "./backup-format.js";
import { FORMATS, MIDDLE, VERSION_AT } from "./backup-formats.js";
import { readLineRanges } from "./backup-lines.js";
import type { ImportOptions, ImportProgress } from "./import.js";
import type { BackupEntry } from "./serialized-import.js";

/**
 * Reading a backup for `import`: its lines, blank ones skipped, each decoded (or only its checksum checked) from the
 * bytes read, a piece of input at a time.
 *
 * @packageDocumentation
 */

/** Decodes the backup line held by `bytes[start, end)` (1-based `line`), throwing `BackupLineError` when it is corrupt. */
export type LineDecoder<T> = (bytes: Buffer, start: number, end: number, line: number) => T;

/** Whether `bytes[start, end)` is a blank line (whitespace only), which a backup may hold and which is skipped. */
function isBlank(bytes: Buffer, start: number, end: number): boolean {
  // A record starts with `{`: only other lines are decoded to be trimmed.
  return bytes[start] !== 0x7b && bytes.toString("utf8", start, end).trim().length === 0;
}

/**
 * Decodes the backup lines of `input` one at a time with `decode`, skipping blank lines and updating `progress`. Each
 * line is decoded from the bytes read (see `backup-lines.ts`); a piece of input's lines are yielded together, in order.
 */
export async function* readBackup<T>(
  input: AsyncIterable<Buffer | string>,
  progress: ImportProgress,
  options: ImportOptions,
  decode: LineDecoder<T>,
): AsyncGenerator<BackupEntry<T>[]> {
  const every = options.progressEvery ?? 1000;
  for await (const { bytes, bounds } of readLineRanges(input, (n) => (progress.bytes += n))) {
    const entries: BackupEntry<T>[] = [];
    for (let i = 0; i < bounds.length; i += 2) {
      const start = bounds[i] as number;
      const end = bounds[i + 1] as number;
      const line = ++progress.lines;
      if (line % every === 0) options.onProgress?.(progress);
      if (isBlank(bytes, start, end)) continue;
      let value: T;
      try {
        value = decode(bytes, start, end, line);
      } catch (error) {
        // The lines before a corrupt one are restored: they go out before the error does.
        if (entries.length > 0) yield entries;
        throw error;
      }
      entries.push({ value, line });
    }
    if (entries.length > 0) yield entries;
  }
}

/**
 * The checkpoint's text of a backup line in the layout `export` writes, as the bytes read (cut without parsing the
 * line: the checksum covers exactly those bytes), once its checksum matches; `undefined` for any other line.
 */
function checkedBody(bytes: Buffer, start: number, end: number): Buffer | undefined {
  const format = FORMATS.get((bytes[start + VERSION_AT] ?? 0) - 0x30); // the version digit
  if (format === undefined || end - start <= format.bodyStart + 1 || bytes[end - 1] !== 0x7d /* } */) return undefined;
  const prefix = bytes.toString("latin1", start, start + format.bodyStart);
  const body = bytes.subarray(start + format.bodyStart, end - 1);
  const hash = prefix.slice(format.head.length, format.bodyStart - MIDDLE.length);
  const canonical = prefix.startsWith(format.head) && prefix.endsWith(MIDDLE);
  return canonical && format.checksum(body) === hash ? body : undefined;
}

/**
 * The checkpoint's text of a backup line, once its checksum matches. A line in another layout is decoded, which
 * throws the `BackupLineError` naming what is wrong with it, or gives a checkpoint whose text is written again.
 */
export function lineText(bytes: Buffer, start: number, end: number, line: number): string {
  return (
    checkedBody(bytes, start, end)?.toString("utf8") ?? serializeCheckpoint(decodeBackupBytes(bytes, start, end, line))
  );
}

/**
 * As {@link lineText}, the text's UTF-8 bytes: for a line in the layout `export` writes, a range of `bytes` (valid
 * until the next piece of input is read).
 */
export function lineBytes(bytes: Buffer, start: number, end: number, line: number): Buffer {
  return (
    checkedBody(bytes, start, end) ??
    Buffer.from(serializeCheckpoint(decodeBackupBytes(bytes, start, end, line)), "utf8")
  );
}
