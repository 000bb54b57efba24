/**
 * Splitting a backup into lines as bytes: each line is handed out as a range of the chunk it was read in (copied
 * only when it spans two chunks), so its checksum is taken over the bytes read and its text decoded once. Line
 * breaks are those of `readline`, which earlier versions read with: `\n`, `\r\n`, or a lone `\r`. A chunk's memory
 * may be read into again once the next chunk is asked for (see `fileChunks`), so the start of a line left at the end
 * of a chunk is copied.
 *
 * @packageDocumentation
 */

/** Lines found in one piece of input: line `i` is `bytes[bounds[2i], bounds[2i + 1])`, without its line break. */
export interface LineRanges {
  bytes: Buffer;
  bounds: number[];
}

const LF = 0x0a;
const CR = 0x0d;

/** Adds the lines of `bytes[start, end)` (which holds no `\n`) to `bounds`, split at each `\r`. */
function pushSplitAtCr(bytes: Buffer, start: number, end: number, bounds: number[]): void {
  const line = bytes.subarray(start, end);
  let from = 0;
  for (let cr = line.indexOf(CR); cr !== -1; cr = line.indexOf(CR, from)) {
    // `\r` as the last byte before `\n` ends the line with it; a lone `\r` ends a line of its own.
    bounds.push(start + from, start + cr);
    from = cr + 1;
    if (from === line.length) return;
  }
  bounds.push(start + from, end);
}

/** Adds the lines of `bytes[start, end)` to `bounds`; `hasCr`: whether any `\r` is there (seldom). */
function pushLine(bytes: Buffer, start: number, end: number, hasCr: boolean, bounds: number[]): void {
  if (hasCr) pushSplitAtCr(bytes, start, end, bounds);
  else bounds.push(start, end);
}

/**
 * The lines of `input` (a stream, or any async iterable of chunks), a piece of input at a time, with `onBytes` told
 * how many bytes each chunk read held. A last line without a line break is a line; an input ending with a line
 * break has no empty line after it.
 */
export async function* readLineRanges(
  input: AsyncIterable<Buffer | string>,
  onBytes: (bytes: number) => void,
): AsyncGenerator<LineRanges> {
  // The start of a line whose end has not been read yet, split over the chunks read so far.
  let pending: Buffer[] = [];
  for await (const data of input) {
    const chunk = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    onBytes(chunk.length);
    let from = 0;
    let newline = chunk.indexOf(LF);
    if (pending.length > 0) {
      if (newline === -1) {
        pending.push(Buffer.from(chunk));
        continue;
      }
      // The line that spanned chunks gets a buffer of its own.
      const line = Buffer.concat([...pending, chunk.subarray(0, newline)]);
      pending = [];
      const bounds: number[] = [];
      pushSplitAtCr(line, 0, line.length, bounds);
      yield { bytes: line, bounds };
      from = newline + 1;
      newline = chunk.indexOf(LF, from);
    }
    const bounds: number[] = [];
    // One look for `\r` per chunk: a backup written by this CLI has none.
    const hasCr = chunk.indexOf(CR, from) !== -1;
    for (; newline !== -1; newline = chunk.indexOf(LF, from)) {
      pushLine(chunk, from, newline, hasCr, bounds);
      from = newline + 1;
    }
    if (bounds.length > 0) yield { bytes: chunk, bounds };
    if (from < chunk.length) pending.push(Buffer.from(chunk.subarray(from)));
  }
  if (pending.length > 0) {
    const line = Buffer.concat(pending);
    const bounds: number[] = [];
    pushSplitAtCr(line, 0, line.length, bounds);
    yield { bytes: line, bounds };
  }
}
