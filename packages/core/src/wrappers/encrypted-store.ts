import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import { types } from "node:util";
import type { Checkpoint, CheckpointMetadata } from "../checkpoint.js";
import { CheckpointCorruptError, InvalidArgumentError } from "../errors.js";
import { decodeValue, encodeValue, type JsonValue } from "../serializer.js";
import type { CheckpointStore } from "../store.js";
import { forwardStore } from "./forward-store.js";

/** Options of {@link withEncryption}. */
export interface EncryptionOptions {
  /** AES-256 keys by key id (32 bytes each). Keep old keys here after a rotation so old checkpoints still open. */
  keys: Readonly<Record<string, Uint8Array>>;
  /** The id (in `keys`) of the key new checkpoints are encrypted with. */
  currentKeyId: string;
}

/** Shape of the encrypted envelope stored in place of the state. */
interface Envelope {
  $lgenc: { v: 1; kid: string; iv: string; tag: string; data: string };
}

/** Metadata keys left readable so stores, backups and the CLI can still tell what a checkpoint is. */
const CLEAR_METADATA = ["source", "step", "execution_id"] as const;

function checkKeys(options: EncryptionOptions): void {
  const current = options.keys[options.currentKeyId];
  if (current === undefined) {
    throw new InvalidArgumentError(`encryption currentKeyId "${options.currentKeyId}" is not one of the given keys`);
  }
  for (const [kid, key] of Object.entries(options.keys)) {
    if (!types.isUint8Array(key) || key.length !== 32) {
      throw new InvalidArgumentError(`encryption key "${kid}" must be 32 bytes (AES-256), e.g. randomBytes(32)`);
    }
  }
}

/**
 * The nonce is derived from the key, the checkpoint id and the plaintext (a synthetic IV): saving the same checkpoint
 * twice yields the same bytes, so the store's idempotent re-save still recognises it, while any different content
 * gets a different nonce.
 */
function syntheticIv(key: Uint8Array, id: string, text: string): Buffer {
  const ivKey = createHmac("sha256", key).update("lg-checkpoint-iv").digest();
  return createHmac("sha256", ivKey).update(id).update("\u0000").update(text).digest().subarray(0, 12);
}

function seal(options: EncryptionOptions, id: string, plain: JsonValue): Envelope {
  const kid = options.currentKeyId;
  const key = options.keys[kid] as Uint8Array;
  const text = JSON.stringify(plain);
  const iv = syntheticIv(key, id, text);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return { $lgenc: { v: 1, kid, iv: iv.toString("base64"), tag: tag.toString("base64"), data: data.toString("base64") } };
}

function isEnvelope(value: unknown): value is Envelope {
  return value !== null && typeof value === "object" && "$lgenc" in value;
}

function open(options: EncryptionOptions, envelope: Envelope, id: string): JsonValue {
  const { kid, iv, tag, data } = envelope.$lgenc;
  const key = options.keys[kid];
  if (key === undefined) throw new CheckpointCorruptError(id, `it is encrypted with key "${kid}", which was not given`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    const text = Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new CheckpointCorruptError(id, "it cannot be decrypted (wrong key, or the data was altered)", { cause: error });
  }
}

/**
 * Wraps a store so that state and metadata are encrypted with AES-256-GCM before they reach it. The inner store sees
 * an envelope `{ $lgenc: { kid, iv, tag, data } }` as the state and only `source`, `step` and `execution_id` as
 * metadata; ids, versions, timestamps and `next` stay readable so ordering, conflicts and pruning still work.
 * Tampered data, or data sealed with a key that is not given, raises `CheckpointCorruptError` on read.
 * Rotation: add a new key, make it `currentKeyId`, keep the old one for reading.
 */
export function withEncryption(store: CheckpointStore, options: EncryptionOptions): CheckpointStore {
  checkKeys(options);
  const encrypt = (cp: Checkpoint): Checkpoint => {
    const plain = { state: encodeValue(cp.state, "state"), metadata: encodeValue(cp.metadata, "metadata") };
    const clear: Record<string, unknown> = {};
    for (const key of CLEAR_METADATA) if (cp.metadata[key] !== undefined) clear[key] = cp.metadata[key];
    return { ...cp, state: seal(options, cp.id, plain), metadata: clear as CheckpointMetadata, next: [...cp.next] };
  };
  const decrypt = (cp: Checkpoint | undefined): Checkpoint | undefined => {
    if (cp === undefined) return undefined;
    // A checkpoint without an envelope was written around the wrapper (or its ciphertext was replaced): refuse it
    // rather than hand out data nobody can vouch for.
    if (!isEnvelope(cp.state)) throw new CheckpointCorruptError(cp.id, "it is not encrypted, but this store only reads encrypted checkpoints");
    const plain = open(options, cp.state, cp.id) as { state: JsonValue; metadata: JsonValue };
    return { ...cp, state: decodeValue(plain.state), metadata: decodeValue(plain.metadata) as CheckpointMetadata };
  };
  return forwardStore(store, {
    save: (cp) => store.save(encrypt(cp)),
    load: async (id) => decrypt(await store.load(id)),
    latest: async (executionId) => decrypt(await store.latest(executionId)),
    list: async (executionId, listOptions) =>
      (await store.list(executionId, listOptions)).map((cp) => decrypt(cp) as Checkpoint),
  });
}
