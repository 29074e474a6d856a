import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config';
import { PayloadEncryptionCodec } from './encryption-codec';

/** The payload codec of the configured keyring, or `null` when payload encryption is off. */
export function payloadCodecFor(config: Pick<Config, 'payloadEncryption'>): PayloadEncryptionCodec | null {
  const { keys } = config.payloadEncryption;
  return keys.length > 0 ? new PayloadEncryptionCodec(keys) : null;
}

/**
 * The data converter of every Temporal client, worker and replayer: encrypting with the configured keyring, or the
 * SDK's default without one. Everything built from one config must use it, or one side writes payloads the other
 * cannot read.
 */
export function dataConverterFor(config: Pick<Config, 'payloadEncryption'>): DataConverter {
  const codec = payloadCodecFor(config);
  return { payloadCodecs: codec ? [codec] : [] };
}

/** Throws when payload encryption is on but `client` was built without {@link dataConverterFor}. */
export function assertClientEncrypts(client: Client, config: Pick<Config, 'payloadEncryption'>): void {
  if (config.payloadEncryption.keys.length === 0) return;
  const encrypts = client.options.loadedDataConverter.payloadCodecs.some((c) => c instanceof PayloadEncryptionCodec);
  if (!encrypts) {
    throw new Error(
      'SWITCHYARD_PAYLOAD_KEYS is set but the Temporal client has no payload codec: build it with dataConverter: dataConverterFor(config)',
    );
  }
}
