import { crc32Hex, sha256Hex, type ChecksumInput } from "./checksum.js";

/**
 * The versions of the backup line format and what tells them apart (the checksum field and how it is computed),
 * shared by the reader (`backup-format.ts`) and the writer (`backup-chunks.ts`); not part of the package's API.
 *
 * @packageDocumentation
 */

/** What tells the backup format versions apart: the checksum field and how it is computed. */
export interface LineFormat {
  /** The `lgBackup` number. */
  readonly version: number;
  /** The JSON field holding the checksum. */
  readonly field: "crc32" | "sha256";
  /** The checksum of a checkpoint's text, as the field holds it (lowercase hex). */
  readonly checksum: (data: ChecksumInput) => string;
  /** `{"lgBackup":<version>,"<field>":"`: the canonical line's text before the checksum. */
  readonly head: string;
  /** Where the checkpoint's text starts in a canonical line. */
  readonly bodyStart: number;
}

/** Between the checksum and the checkpoint's text in a canonical line. */
export const MIDDLE = '","checkpoint":';
/** Where the version digit is in a canonical line. */
export const VERSION_AT = '{"lgBackup":'.length;

function lineFormat(version: number, field: LineFormat["field"], checksum: LineFormat["checksum"]): LineFormat {
  const head = `{"lgBackup":${version},"${field}":"`;
  const hexLength = field === "crc32" ? 8 : 64;
  return { version, field, checksum, head, bodyStart: head.length + hexLength + MIDDLE.length };
}

/** Format 2, written by this version. */
export const CRC32_FORMAT = lineFormat(2, "crc32", crc32Hex);
/** Every format read, by version. */
export const FORMATS: ReadonlyMap<number, LineFormat> = new Map([
  [1, lineFormat(1, "sha256", sha256Hex)],
  [2, CRC32_FORMAT],
]);
/** The versions read, for an error message: `1 and 2`. */
export const READ_VERSIONS = [...FORMATS.keys()].join(" and ");

/** The text of a canonical line before its checkpoint: head, checksum, `","checkpoint":`. */
export function linePrefix(format: LineFormat, checksum: string): string {
  return `${format.head}${checksum}${MIDDLE}`;
}
