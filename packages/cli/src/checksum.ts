import { createHash } from "node:crypto";
import * as zlib from "node:zlib";

/**
 * The checksums of backup lines: CRC-32 (format 2) and SHA-256 (format 1, still read), each over the UTF-8 bytes of
 * a checkpoint's JSON text, given as bytes (a slice of what was read, nothing encoded again) or as a string.
 *
 * @packageDocumentation
 */

/** Bytes or text (hashed as UTF-8). */
export type ChecksumInput = string | Uint8Array;

// zlib.crc32 exists from Node 20.15 and 22.2; `engines` allows any Node 20, which gets the table below.
const nativeCrc32 = (zlib as { crc32?: (data: ChecksumInput) => number }).crc32;

let table: Uint32Array | undefined;

/** The byte-at-a-time table of the CRC-32 polynomial (IEEE 802.3, reflected), built once when first needed. */
function crcTable(): Uint32Array {
  if (table !== undefined) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32 in JavaScript (the value zlib's `crc32` gives), for a Node without it. */
export function crc32Fallback(data: ChecksumInput): number {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const t = crcTable();
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The CRC-32 (IEEE, as zlib and gzip compute it) of `data`, as an unsigned 32-bit number. */
export function crc32(data: ChecksumInput): number {
  return nativeCrc32 === undefined ? crc32Fallback(data) : nativeCrc32(data) >>> 0;
}

/** The CRC-32 (IEEE, as zlib and gzip compute it) of `data`, as 8 lowercase hex digits. */
export function crc32Hex(data: ChecksumInput): string {
  return crc32(data).toString(16).padStart(8, "0");
}

const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");

/**
 * Writes `value` (an unsigned 32-bit number) as the 8 lowercase hex digits {@link crc32Hex} gives, straight into
 * `target` at `at`: an export writes one per line, and building a string first cost more than the CRC itself.
 */
export function writeHex8(target: Uint8Array, at: number, value: number): void {
  for (let i = 0; i < 8; i++) target[at + i] = HEX_DIGITS[(value >>> (28 - 4 * i)) & 0xf] as number;
}

/** The SHA-256 of `data`, as 64 lowercase hex digits. */
export function sha256Hex(data: ChecksumInput): string {
  return createHash("sha256").update(data).digest("hex");
}
