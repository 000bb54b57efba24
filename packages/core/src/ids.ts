import { randomFillSync } from "node:crypto";

let lastMillis = -1;
let counter = 0;
// Random bytes are drawn from the OS in blocks: one syscall per 409 ids instead of one per id.
const POOL_SIZE = 4096;
const ID_RANDOM_BYTES = 10;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

function nextRandom(): Uint8Array {
  if (poolOffset + ID_RANDOM_BYTES > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + ID_RANDOM_BYTES);
  poolOffset += ID_RANDOM_BYTES;
  return slice;
}

/**
 * Mints a checkpoint id: a UUIDv7 (RFC 9562) whose first 48 bits are the Unix time in milliseconds and whose
 * next 12 bits are a counter that increases within one millisecond (method 1 of the RFC), so ids minted by one
 * process sort in creation order and never collide even when the clock stands still or steps back.
 */
export function createCheckpointId(now: number = Date.now()): string {
  const random = nextRandom();
  if (now > lastMillis) {
    lastMillis = now;
    counter = ((random[0] ?? 0) & 0x07) << 8; // start low in the 12-bit space, leaving room to count up
  } else {
    counter++;
    if (counter > 0xfff) {
      lastMillis++; // borrow the next millisecond rather than repeat a value
      counter = 0;
    }
  }
  const ms = lastMillis;
  const bytes = new Uint8Array(16);
  const high = Math.floor(ms / 2 ** 16);
  bytes[0] = (high >>> 24) & 0xff;
  bytes[1] = (high >>> 16) & 0xff;
  bytes[2] = (high >>> 8) & 0xff;
  bytes[3] = high & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | ((counter >>> 8) & 0x0f);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((random[1] ?? 0) & 0x3f);
  for (let i = 9; i < 16; i++) bytes[i] = random[i - 7] ?? 0;
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A random execution id (UUIDv7 as well), for runs started without one. */
export function createExecutionId(): string {
  return createCheckpointId();
}
