import { open } from "node:fs/promises";

/**
 * Reading a file in chunks into one buffer used again for every chunk: a file stream allocates a new buffer per
 * chunk, and mapping, faulting in and unmapping that memory cost an import more than splitting the lines it holds.
 *
 * @packageDocumentation
 */

/**
 * The bytes of the file at `path`, `chunkBytes` at a time. Each chunk is only valid until the next is asked for (the
 * same memory is read into again): a caller keeps what it needs by copying it (`readLineRanges` does).
 */
export async function* fileChunks(path: string, chunkBytes: number): AsyncGenerator<Buffer> {
  const file = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
