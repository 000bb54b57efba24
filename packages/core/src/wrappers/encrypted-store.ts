import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import { types } from "node:util";
import type { Checkpoint, CheckpointMetadata } from "../checkpoint.js";
import { decodeTaskResults, encodeCheckpoint } from "../codec.js";
import { CheckpointCorruptError, InvalidArgumentError, isLgError } from "../errors.js";
import { canonicalJson, sameEncodedCheckpoint } from "../json-equal.js";
import { decodeValue, encodeValue, type JsonValue } from "../serializer.js";
import type { CheckpointStore } from "../store.js";
import { validateCheckpoint } from "../validate.js";
import { forwardStore } from "./forward-store.js";

/** Options of {@link withEncryption}. */
export interface EncryptionOptions {
  /** AES-256 keys by key id (32 bytes each). Keep old keys here after a rotation so old checkpoints still open. */
  keys: Readonly<Record<string, Uint8Array>>;
  /** The id (in `keys`) of the key new checkpoints are encrypted with. */
  currentKeyId: string;
}

/** The envelope format this version writes and reads: v2 authenticates the checkpoint's readable fields. */
const ENVELOPE_VERSION = 2;

/** Shape of the encrypted envelope stored in place of the state. */
interface Envelope {
  $lgenc: { v: typeof ENVELOPE_VERSION; kid: string; iv: string; tag: string; data: string };
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

function clearMetadata(metadata: CheckpointMetadata): Record<string, unknown> {
  const clear: Record<string, unknown> = {};
  for (const key of CLEAR_METADATA) if (metadata[key] !== undefined) clear[key] = metadata[key];
  return clear;
}

/**
 * The AES-GCM additional data: everything the inner store keeps readable next to the envelope (id, execution,
 * version, node, timestamp, parent, `next`, the clear metadata) and the key id. Sealing authenticates it, so an
 * envelope opens only in the row it was written for, with those fields unchanged.
 */
function additionalData(kid: string, cp: Checkpoint): string {
  const fields: unknown[] = [
    `lgenc/${ENVELOPE_VERSION}`,
    kid,
    cp.id,
    cp.executionId,
    cp.version,
    cp.nodeName,
    cp.timestamp.getTime(),
    cp.parentId ?? null,
    cp.next,
    clearMetadata(cp.metadata),
  ];
  return canonicalJson(encodeValue(fields, "checkpoint"));
}

/**
 * The nonce is derived from the key, the additional data and the plaintext (a synthetic IV): saving the same
 * checkpoint twice with the same key yields the same bytes, so the store's idempotent re-save still recognises it,
 * while any different content or readable field gets a different nonce (a GCM nonce is never reused for two
 * messages under one key). It needs no check on read: the nonce is an input of the GCM tag.
 */
function syntheticIv(key: Uint8Array, aad: string, text: string): Buffer {
  const ivKey = createHmac("sha256", key).update(`lg-checkpoint-iv/${ENVELOPE_VERSION}`).digest();
  // Canonical JSON escapes control characters, so the NUL separator is unambiguous.
  return createHmac("sha256", ivKey).update(aad).update("\u0000").update(text).digest().subarray(0, 12);
}

function seal(options: EncryptionOptions, cp: Checkpoint, plain: JsonValue): Envelope {
  const kid = options.currentKeyId;
  const key = options.keys[kid] as Uint8Array;
  const text = JSON.stringify(plain);
  const aad = additionalData(kid, cp);
  const iv = syntheticIv(key, aad, text);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return {
    $lgenc: {
      v: ENVELOPE_VERSION,
      kid,
      iv: iv.toString("base64"),
      tag: tag.toString("base64"),
      data: data.toString("base64"),
    },
  };
}

function isEnvelope(value: unknown): value is { $lgenc: unknown } {
  return value !== null && typeof value === "object" && "$lgenc" in value;
}

function envelopeFields(cp: Checkpoint, value: { $lgenc: unknown }): Envelope["$lgenc"] {
  const fields = value.$lgenc as Partial<Record<keyof Envelope["$lgenc"], unknown>> | null;
  if (fields === null || typeof fields !== "object") {
    throw new CheckpointCorruptError(cp.id, "its envelope is malformed");
  }
  if (fields.v !== ENVELOPE_VERSION) {
    const expected = `expected v${ENVELOPE_VERSION}`;
    throw new CheckpointCorruptError(cp.id, `its envelope format v${String(fields.v)} is not readable (${expected})`);
  }
  const { kid, iv, tag, data } = fields;
  if (typeof kid !== "string" || typeof iv !== "string" || typeof tag !== "string" || typeof data !== "string") {
    throw new CheckpointCorruptError(cp.id, "its envelope is malformed");
  }
  return { v: ENVELOPE_VERSION, kid, iv, tag, data };
}

/** Decrypts the envelope of `cp`, authenticating it against `cp`'s readable fields as stored. */
function open(
  options: EncryptionOptions,
  cp: Checkpoint,
  value: { $lgenc: unknown },
): { state: JsonValue; metadata: JsonValue; tasks?: JsonValue } {
  const { kid, iv, tag, data } = envelopeFields(cp, value);
  const key = options.keys[kid];
  if (key === undefined) {
    throw new CheckpointCorruptError(cp.id, `it is encrypted with key "${kid}", which was not given`);
  }
  let plain: JsonValue;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
    decipher.setAAD(Buffer.from(additionalData(kid, cp), "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    const text = Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
    plain = JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new CheckpointCorruptError(
      cp.id,
      "it cannot be decrypted (wrong key, the data or a readable field was altered, " +
        "or the envelope belongs to another checkpoint)",
      { cause: error },
    );
  }
  if (plain === null || typeof plain !== "object" || Array.isArray(plain)) {
    throw new CheckpointCorruptError(cp.id, "its decrypted content is not a state and metadata");
  }
  if (!("state" in plain && "metadata" in plain)) {
    throw new CheckpointCorruptError(cp.id, "its decrypted content is not a state and metadata");
  }
  const opened: { state: JsonValue; metadata: JsonValue; tasks?: JsonValue } = {
    state: plain.state as JsonValue,
    metadata: plain.metadata as JsonValue,
  };
  if ("tasks" in plain) opened.tasks = plain.tasks as JsonValue;
  return opened;
}

/**
 * Wraps a store so that state, metadata and task results (which hold node writes and human answers) are encrypted with
 * AES-256-GCM before they reach it. The inner store sees
 * an envelope `{ $lgenc: { v, kid, iv, tag, data } }` as the state and only `source`, `step` and `execution_id` as
 * metadata; ids, versions, timestamps, `parentId` and `next` stay readable so ordering, conflicts and pruning still
 * work.
 *
 * Everything left readable is authenticated as AES-GCM additional data, with the key id: id, `executionId`,
 * `version`, `nodeName`, `timestamp`, `parentId`, `next` and the readable metadata. An envelope copied into another
 * checkpoint's row (or a row rolled back to another checkpoint's ciphertext), a readable field changed in the store,
 * tampered ciphertext, or data sealed with a key that is not given raises `CheckpointCorruptError` on read. Deleting
 * a whole row is not detected.
 *
 * Malformed checkpoints are refused with `InvalidArgumentError` before anything is encrypted, like unwrapped stores.
 * Rotation: add a new key, make it `currentKeyId`, keep the old one for reading. A re-save of a checkpoint stored
 * under an older key is still a no-op when its content is the same (the stored row is opened and compared).
 */
export function withEncryption(store: CheckpointStore, options: EncryptionOptions): CheckpointStore {
  checkKeys(options);
  const encrypt = (cp: Checkpoint): Checkpoint => {
    const plain: Record<string, JsonValue> = {
      state: encodeValue(cp.state, "state"),
      metadata: encodeValue(cp.metadata, "metadata"),
    };
    if (cp.tasks !== undefined) plain.tasks = encodeValue(cp.tasks, "tasks");
    const clear = clearMetadata(cp.metadata) as CheckpointMetadata;
    const { tasks: _sealedInside, ...readable } = cp;
    const sealed: Checkpoint = { ...readable, metadata: clear, next: [...cp.next] };
    return { ...sealed, state: seal(options, sealed, plain) };
  };
  const decrypt = (cp: Checkpoint | undefined): Checkpoint | undefined => {
    if (cp === undefined) return undefined;
    // A checkpoint without an envelope was written around the wrapper (or its ciphertext was replaced): refuse it
    // rather than hand out data nobody can vouch for.
    if (!isEnvelope(cp.state)) {
      throw new CheckpointCorruptError(cp.id, "it is not encrypted, but this store only reads encrypted checkpoints");
    }
    const plain = open(options, cp, cp.state);
    const metadata = decodeValue(plain.metadata);
    if (metadata === null || typeof metadata !== "object") {
      throw new CheckpointCorruptError(cp.id, "its decrypted metadata is not an object");
    }
    const { tasks: _notStoredOutside, ...readable } = cp;
    const opened: Checkpoint = {
      ...readable,
      state: decodeValue(plain.state),
      metadata: metadata as CheckpointMetadata,
    };
    if (plain.tasks !== undefined) opened.tasks = decodeTaskResults(plain.tasks, cp.id);
    return opened;
  };
  /** Whether the row stored under `cp.id` opens (with whatever key it names) to the same checkpoint. */
  const storedIsSame = async (cp: Checkpoint): Promise<boolean> => {
    try {
      const stored = decrypt(await store.load(cp.id));
      return stored !== undefined && sameEncodedCheckpoint(encodeCheckpoint(stored), encodeCheckpoint(cp));
    } catch {
      return false; // unreadable or undecryptable: the wrapper cannot vouch that it is the same, so the conflict stands
    }
  };
  const sealed = forwardStore(store, {
    save: async (cp, options) => {
      validateCheckpoint(cp);
      try {
        // Sealed states are stored whole (no changes), but a worker's lease still fences the write.
        await store.save(encrypt(cp), options?.lease === undefined ? undefined : { lease: options.lease });
      } catch (error) {
        // Sealed under another key (before a rotation) the same checkpoint is other bytes: open the stored row to tell
        // an identical re-save (a no-op) from a real conflict.
        if (!isLgError(error, "LG_CHECKPOINT_CONFLICT") || !(await storedIsSame(cp))) throw error;
      }
    },
    load: async (id) => decrypt(await store.load(id)),
    latest: async (executionId) => decrypt(await store.latest(executionId)),
    list: async (executionId, listOptions) =>
      (await store.list(executionId, listOptions)).map((cp) => decrypt(cp) as Checkpoint),
  });
  // The inner store sees sealed states, not channels: it cannot keep changes only, so the runtime sends full states.
  if (store.capabilities?.incremental === true)
    return { ...sealed, capabilities: { ...store.capabilities, incremental: false } };
  return sealed;
}
