import { createSecretKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/** One AES-256 key of the payload keyring. */
export interface PayloadKey {
  /** Recorded in every payload it encrypts (`encryption-key-id`), so decoding finds the key again after a rotation. */
  id: string;
  /** Opaque, so the key material never shows up when a config object is logged or serialised. */
  key: KeyObject;
}

const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HOW_TO_GENERATE = 'generate one with `openssl rand -base64 32`';

/**
 * `SWITCHYARD_PAYLOAD_KEYS`: `"<id>:<base64 32 bytes>,<id>:<base64 32 bytes>,…"`. The first key encrypts, every key
 * decrypts; rotating means prepending a new key and keeping the old ones until no retained history uses them.
 * Messages never echo key material.
 */
export const payloadKeysSchema = z.string().transform((value, ctx): PayloadKey[] => {
  const keys: PayloadKey[] = [];
  const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
  value.split(',').forEach((rawEntry, index) => {
    const entry = rawEntry.trim();
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problem(`entry ${index + 1} is not "<id>:<base64 key>"; e.g. k1:<key>, where you ${HOW_TO_GENERATE}`);
      return;
    }
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) {
      problem(`entry ${index + 1}: key id "${id}" must be 1-64 letters, digits, ".", "-" or "_"`);
      return;
    }
    if (keys.some((key) => key.id === id)) {
      problem(`key id "${id}" is listed twice; give each key its own id`);
      return;
    }
    if (!BASE64.test(encoded) || encoded.length === 0) {
      problem(`key "${id}" is not valid base64; ${HOW_TO_GENERATE}`);
      return;
    }
    const bytes = Buffer.from(encoded, 'base64');
    if (bytes.length !== KEY_BYTES) {
      problem(`key "${id}" is ${bytes.length} bytes; AES-256 needs ${KEY_BYTES}, so ${HOW_TO_GENERATE}`);
      return;
    }
    keys.push({ id, key: createSecretKey(bytes) });
  });
  return keys;
});
