import { createHash } from "node:crypto";
import { createWriteStream, readFileSync } from "node:fs";
import { PassThrough, Readable, Writable } from "node:stream";
import { finished } from "node:stream/promises";
import * as zlib from "node:zlib";
import type { Checkpoint } from "@lg/core";
import { MemoryCheckpointStore } from "@lg/store-memory";
import { SqliteCheckpointStore } from "@lg/store-sqlite";
import { createCheckpointChain, uniqueId } from "@lg/store-testkit";
import {
  BACKUP_FORMAT_VERSION,
  BackupLineError,
  checkBackup,
  decodeBackupLine,
  encodeBackupLine,
  EXIT_CODES,
  exportCheckpoints,
  importCheckpoints,
} from "../src/index.js";
import { crc32, crc32Fallback, crc32Hex, writeHex8 } from "../src/checksum.js";
import { fileChunks } from "../src/file-chunks.js";
import { assertBuilt, richState, runBin, tempDir } from "./helpers.js";

/** A line written by the release before format 2 (SHA-256), kept as it was written. */
const VERSION_1_LINE =
  '{"lgBackup":1,"sha256":"c1303e70ed30e5f467ddec321618e0e1093b94d5172d68ab853df0bd3f2f3b35","checkpoint":{"id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","executionId":"order-42","nodeName":"review","state":{"counter":2,"when":{"$lg":"date","v":"2025-01-02T03:04:05.006Z"},"tags":{"$lg":"set","v":["a","é✓"]},"scores":{"$lg":"map","v":[["x",2]]},"big":{"$lg":"bigint","v":"12345678901234567892"},"bytes":{"$lg":"bytes","v":"AP8C"},"nested":{"missing":{"$lg":"undef"},"negZero":{"$lg":"num","v":"-0"},"nan":{"$lg":"num","v":"NaN"}}},"metadata":{"source":"loop","step":2},"timestamp":1735787045006,"version":2,"parentId":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5a","next":["ship"],"tasks":null}}';

/** The checkpoint {@link VERSION_1_LINE} holds. */
const VERSION_1_CHECKPOINT: Checkpoint = {
  id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
  executionId: "order-42",
  nodeName: "review",
  version: 2,
  parentId: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5a",
  next: ["ship"],
  timestamp: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)),
  state: {
    counter: 2,
    when: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6)),
    tags: new Set(["a", "é✓"]),
    scores: new Map([["x", 2]]),
    big: 12345678901234567892n,
    bytes: new Uint8Array([0, 255, 2]),
    nested: { missing: undefined, negZero: -0, nan: NaN },
  },
  metadata: { source: "loop", step: 2 },
};

/** Collects what is written to it. */
function collector(): { sink: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk); // kept as it is: a chunk reused after its write would show here
      done();
    },
  });
  return { sink, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** The error a check of `text` (fed `pieceBytes` at a time) rejects with. */
async function checkError(text: string, pieceBytes = text.length): Promise<BackupLineError> {
  const bytes = Buffer.from(text, "utf8");
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += pieceBytes) pieces.push(bytes.subarray(at, at + pieceBytes));
  const error: unknown = await checkBackup(Readable.from(pieces)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BackupLineError);
  return error as BackupLineError;
}

describe("backup format", () => {
  it("writes format 2: a CRC-32 of the checkpoint's UTF-8 text, read back exactly", () => {
    const [checkpoint] = createCheckpointChain(uniqueId("f2"), 1, (v) => ({ ...richState(v), text: "é✓😀" }));
    const line = encodeBackupLine(checkpoint as Checkpoint);
    expect(BACKUP_FORMAT_VERSION).toBe(2);
    const match = /^\{"lgBackup":2,"crc32":"([0-9a-f]{8})","checkpoint":(.*)\}$/.exec(line);
    expect(match).not.toBeNull();
    const body = Buffer.from(match?.[2] as string, "utf8");
    expect(match?.[1]).toBe(crcOf(body));
    expect(decodeBackupLine(line, 1)).toEqual(checkpoint);
  });

  it("reads a format 1 line (SHA-256) as the earlier release wrote it, and checks its checksum", () => {
    expect(decodeBackupLine(VERSION_1_LINE, 1)).toEqual(VERSION_1_CHECKPOINT);
    const altered = VERSION_1_LINE.replace('"counter":2', '"counter":3');
    expect(() => decodeBackupLine(altered, 4)).toThrow(
      "backup line 4 (checkpoint 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b) is corrupt: checksum mismatch",
    );
  });

  it("reads both formats re-formatted by another tool (keys reordered, spaces), and refuses other versions", () => {
    const v2 = encodeBackupLine(VERSION_1_CHECKPOINT);
    for (const line of [VERSION_1_LINE, v2]) {
      const record = JSON.parse(line) as Record<string, unknown>;
      const reordered = { checkpoint: record.checkpoint, ...record };
      expect(decodeBackupLine(JSON.stringify(reordered, null, 1).replace(/\n/g, " "), 1)).toEqual(VERSION_1_CHECKPOINT);
    }
    const v1WithoutHash = VERSION_1_LINE.replace('"sha256"', '"crc32"');
    expect(() => decodeBackupLine(v1WithoutHash, 2)).toThrow("the sha256 or checkpoint field is missing");
    expect(() => decodeBackupLine(v2.replace('"lgBackup":2', '"lgBackup":3'), 3)).toThrow(
      "backup format 3 is not supported (this CLI reads 1 and 2)",
    );
  });

  it("computes CRC-32 without zlib's, on a Node that lacks it, to the same value", () => {
    const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
    for (const text of ["", "a", '{"é✓😀":1}', "x".repeat(5000), VERSION_1_LINE]) {
      const bytes = Buffer.from(text, "utf8");
      expect(crc32Fallback(text)).toBe(crc32Fallback(bytes));
      expect(crc32Fallback(bytes).toString(16).padStart(8, "0")).toBe(crc32Hex(bytes));
      if (nativeCrc32 !== undefined) expect(crc32Fallback(bytes)).toBe(nativeCrc32(bytes) >>> 0);
    }
    expect(crc32Fallback("123456789")).toBe(0xcbf43926); // the standard check value
  });

  it("writes a checksum's 8 hex digits into bytes as crc32Hex spells them", () => {
    for (const value of [0, 1, 0xf, 0x10, 0xcbf43926, 0x7fffffff, 0x80000000, 0xffffffff]) {
      const target = Buffer.alloc(12, 0x2e);
      writeHex8(target, 2, value);
      expect(target.toString("latin1")).toBe(`..${value.toString(16).padStart(8, "0")}..`);
    }
    for (const text of ["", "a", "x".repeat(5000)]) {
      const target = Buffer.alloc(8);
      writeHex8(target, 0, crc32(text));
      expect(target.toString("latin1")).toBe(crc32Hex(text));
    }
  });
});

/** The CRC-32 of `bytes` as the format writes it, computed without the code under test. */
function crcOf(bytes: Buffer): string {
  return crc32Fallback(bytes).toString(16).padStart(8, "0");
}

describe("backup lines as bytes", () => {
  const lines = [VERSION_1_LINE, encodeBackupLine({ ...VERSION_1_CHECKPOINT, id: "second", version: 3 })];

  it("splits at \\n, \\r\\n and a lone \\r, counts blank lines, and takes a last line without a break", async () => {
    const text = `${lines[0]}\r\n\n  \r${lines[1]}`;
    for (const piece of [1, 7, 100, text.length]) {
      const bytes = Buffer.from(text, "utf8");
      const pieces: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += piece) pieces.push(bytes.subarray(at, at + piece));
      const totals = await checkBackup(Readable.from(pieces));
      expect(totals).toEqual({ checkpoints: 2, lines: 4, bytes: bytes.length, threads: 1 });
    }
    // Text chunks (a stream in object mode) are read too.
    expect((await checkBackup(Readable.from([`${lines.join("\n")}\n`]))).checkpoints).toBe(2);
  });

  it("names a corrupt line by its number, whichever chunks it was read in", async () => {
    const corrupt = (lines[1] as string).replace('"counter":2', '"counter":7');
    for (const piece of [3, 64, 100_000]) {
      const error = await checkError(`${lines[0]}\r\n\n${corrupt}\n${lines[0]}\n`, piece);
      expect(error.message).toMatch(/^backup line 3 \(checkpoint second\) is corrupt: checksum mismatch/);
    }
    const truncated = await checkError(`${lines[0]}\n${(lines[1] as string).slice(0, 200)}\n`);
    expect(truncated.message).toMatch(/^backup line 2 is corrupt: not valid JSON/);
  });

  it("restores the lines before a corrupt one, even in the same chunk", async () => {
    const store = new MemoryCheckpointStore();
    const chain = createCheckpointChain(uniqueId("chunk"), 5, richState);
    const text = chain.map((cp, i) => (i === 3 ? "{not json" : encodeBackupLine(cp))).join("\n");
    const error: unknown = await importCheckpoints(store, Readable.from([Buffer.from(text)])).catch((e: unknown) => e);
    expect((error as BackupLineError).message).toMatch(/^backup line 4 is corrupt: not valid JSON/);
    expect((await store.list(chain[0]?.executionId as string)).map((cp) => cp.version)).toEqual([1, 2, 3]);
  });
});

describe("export writes format 2 in chunks", () => {
  it("keeps every chunk intact for a stream that holds on to them, across lines larger than a chunk", async () => {
    const store = new MemoryCheckpointStore();
    const executionId = uniqueId("big");
    const chain = createCheckpointChain(executionId, 30, (v) => ({ v, text: `${"é".repeat(v * 9_000)}😀` }));
    for (const cp of chain) await store.save(cp);
    const { sink, text } = collector();
    const totals = await exportCheckpoints(store, sink, { pageSize: 7 });
    expect(totals).toEqual({ checkpoints: 30, bytes: Buffer.byteLength(text()), threads: 1 });
    const restored = new MemoryCheckpointStore();
    await importCheckpoints(restored, Readable.from([text()]));
    expect(await restored.list(executionId)).toEqual(await store.list(executionId));
    // Through a PassThrough, which queues the chunks it is given.
    const through = new PassThrough();
    const collected = through.toArray();
    await exportCheckpoints(store, through);
    through.end();
    expect(Buffer.concat((await collected) as Buffer[]).toString("utf8")).toBe(text());
  });

  it("reuses its chunks on a file, and the file reads back whole, also through one reused buffer", async () => {
    const files = tempDir();
    try {
      const store = new MemoryCheckpointStore();
      const executionId = uniqueId("file");
      for (const cp of createCheckpointChain(executionId, 2000, (v) => ({ v, blob: "x".repeat(700) })))
        await store.save(cp);
      const out = createWriteStream(`${files.dir}/backup.jsonl`, { highWaterMark: 1024 * 1024 });
      await exportCheckpoints(store, out);
      out.end();
      await finished(out);
      const restored = new MemoryCheckpointStore();
      const totals = await importCheckpoints(restored, Readable.from([readFileSync(`${files.dir}/backup.jsonl`)]));
      expect(totals.checkpoints).toBe(2000);
      expect(await restored.list(executionId)).toEqual(await store.list(executionId));
      // Read back into one reused buffer, in chunks smaller than a line: each line spans several of them.
      const again = new MemoryCheckpointStore();
      expect((await importCheckpoints(again, fileChunks(`${files.dir}/backup.jsonl`, 300))).checkpoints).toBe(2000);
      expect(await again.list(executionId)).toEqual(await store.list(executionId));
    } finally {
      files.remove();
    }
  });
});

describe("lg-checkpoints import of a format 1 backup", () => {
  beforeAll(assertBuilt);

  it("restores a backup written by the earlier release (SHA-256 lines) and checks it", async () => {
    const files = tempDir();
    const url = `sqlite:${files.dir}/restored.db`;
    try {
      const sha = createHash("sha256");
      expect(sha.update(JSON.stringify(JSON.parse(VERSION_1_LINE).checkpoint)).digest("hex")).toBe(
        (JSON.parse(VERSION_1_LINE) as { sha256: string }).sha256,
      );
      const check = await runBin(["import", "--check"], { input: `${VERSION_1_LINE}\n` });
      expect([check.code, check.stderr]).toEqual([0, expect.stringMatching(/^checked 1 checkpoints/)]);
      const imported = await runBin(["import", "-s", url], { input: `${VERSION_1_LINE}\n` });
      expect([imported.code, imported.stderr]).toEqual([0, expect.stringMatching(/^imported 1 checkpoints/)]);
      const store = new SqliteCheckpointStore({ path: `${files.dir}/restored.db` });
      try {
        expect(await store.load(VERSION_1_CHECKPOINT.id)).toEqual(VERSION_1_CHECKPOINT);
      } finally {
        await store.close();
      }
      const corrupt = await runBin(["import", "--check"], { input: VERSION_1_LINE.replace("ship", "shop") });
      expect([corrupt.code, corrupt.stderr]).toEqual([
        EXIT_CODES.corruptBackup,
        expect.stringContaining(
          "backup line 1 (checkpoint 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b) is corrupt: checksum mismatch",
        ),
      ]);
    } finally {
      files.remove();
    }
  });
});
