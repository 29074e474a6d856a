import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { payloadFromBytes, payloadToBytes } from './payload-bytes';
import type { PayloadKey } from './payload-keys';

/** The `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata naming the key a payload was encrypted with. */
export const METADATA_ENCRYPTION_KEY_ID = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Why a payload could not be decrypted: a key missing from the keyring, or bytes that fail authentication. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';

  constructor(
    readonly code: 'payload_key_unknown' | 'payload_undecryptable',
    message: string,
    readonly keyId: string | null,
  ) {
    super(message);
  }
}

const text = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

/**
 * Encrypts every payload with AES-256-GCM under the keyring's first key, and decrypts with whichever key the payload
 * names. Payloads that are not `binary/encrypted` decode unchanged: histories recorded before encryption was turned
 * on, and payloads written by other tools, stay readable.
 *
 * The encrypted `data` is `iv (12 bytes) ‖ ciphertext ‖ GCM tag (16 bytes)`; the key id is authenticated too, so a
 * payload relabelled with another key id fails rather than decrypting to garbage.
 */
export class PayloadEncryptionCodec implements PayloadCodec {
  private readonly current: PayloadKey;
  private readonly byId: ReadonlyMap<string, PayloadKey>;

  constructor(keys: readonly PayloadKey[]) {
    const [current] = keys;
    if (!current) throw new Error('PayloadEncryptionCodec needs at least one key');
    this.current = current;
    this.byId = new Map(keys.map((key) => [key.id, key]));
  }

  /** The id of the key new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.current.id;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.encrypt(payload))));
  }

  /** Rejects with a {@link PayloadDecryptionError} when a payload's key is missing or its bytes were altered. */
  decode(payloads: Payload[]): Promise<Payload[]> {
    // The executor turns a throw into a rejection.
    return new Promise((resolve) => resolve(payloads.map((payload) => this.decrypt(payload))));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(payloadToBytes(payload)), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING, 'utf8'),
        [METADATA_ENCRYPTION_KEY_ID]: Buffer.from(id, 'utf8'),
      },
      data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[METADATA_ENCRYPTION_KEY_ID]);
    if (keyId === undefined) {
      throw new PayloadDecryptionError(
        'payload_undecryptable',
        'An encrypted payload names no encryption-key-id.',
        null,
      );
    }
    const entry = this.byId.get(keyId);
    if (!entry) {
      throw new PayloadDecryptionError(
        'payload_key_unknown',
        `A payload is encrypted with key "${keyId}", which is not in SWITCHYARD_PAYLOAD_KEYS (configured: ${[...this.byId.keys()].join(', ')}); add that key back, after the current one.`,
        keyId,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(
        'payload_undecryptable',
        `A payload encrypted with key "${keyId}" is truncated.`,
        keyId,
      );
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, entry.key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(keyId, 'utf8'));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plaintext = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return payloadFromBytes(plaintext);
    } catch (err) {
      // GCM authentication fails alike for a wrong key, altered bytes or a relabelled key id.
      throw new PayloadDecryptionError(
        'payload_undecryptable',
        `A payload encrypted with key "${keyId}" does not decrypt with that key: the key or the payload was altered (${(err as Error).message}).`,
        keyId,
      );
    }
  }
}
