import type { Payload } from '@temporalio/common';

/**
 * The plaintext an encrypted payload carries: the whole original payload, metadata included, so decoding gives back
 * exactly what the payload converter produced.
 *
 * Layout: a 4-byte big-endian length, a JSON header `{"metadata":{key: base64}}` of that length, then the data bytes
 * as they are (prompts can be large; base64 would grow them by a third).
 */
export function payloadToBytes(payload: Payload): Buffer {
  // Built with fromEntries (own data properties), so no key — not even `__proto__` — is lost or special.
  const metadata = Object.fromEntries(
    Object.entries(payload.metadata ?? {}).flatMap(([key, value]) =>
      value ? [[key, Buffer.from(value).toString('base64')]] : [],
    ),
  );
  const header = Buffer.from(JSON.stringify({ metadata }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([length, header, payload.data ?? new Uint8Array()]);
}

/** Reverses {@link payloadToBytes}; throws a `TypeError` on bytes it did not produce. */
export function payloadFromBytes(bytes: Buffer): Payload {
  if (bytes.length < 4) throw new TypeError('the decrypted payload is truncated');
  const headerLength = bytes.readUInt32BE(0);
  if (4 + headerLength > bytes.length) throw new TypeError('the decrypted payload is truncated');
  const header: unknown = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8'));
  const encoded = (header as { metadata?: unknown } | null)?.metadata;
  if (typeof encoded !== 'object' || encoded === null) throw new TypeError('the decrypted payload has no metadata');
  const metadata: Record<string, Uint8Array> = Object.fromEntries(
    Object.entries(encoded).map(([key, value]) => {
      if (typeof value !== 'string') throw new TypeError(`the decrypted payload's metadata "${key}" is not base64`);
      return [key, Buffer.from(value, 'base64')];
    }),
  );
  return { metadata, data: bytes.subarray(4 + headerLength) };
}
