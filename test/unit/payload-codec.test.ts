import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import fc from 'fast-check';
import {
  assertClientEncrypts,
  dataConverterFor,
  ENCRYPTED_ENCODING,
  METADATA_ENCRYPTION_KEY_ID,
  PayloadDecryptionError,
  PayloadEncryptionCodec,
  payloadsFromJson,
  payloadsToJson,
  type PayloadKey,
} from '../../src/codec';
import { loadConfig } from '../../src/config';
import { configProblems } from '../helpers/config-problems';

const secret = () => randomBytes(32).toString('base64');
const SECRET_1 = secret();
const SECRET_2 = secret();

function keyring(value: string): PayloadKey[] {
  return loadConfig({ SWITCHYARD_PAYLOAD_KEYS: value }).payloadEncryption.keys;
}

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const prompt = () => defaultPayloadConverter.toPayload({ messages: [{ role: 'user', content: 'the secret recipe' }] });

describe('payload encryption codec', () => {
  test('when a payload is encoded, it is marked binary/encrypted with the current key id and its text is gone', async () => {
    const codec = new PayloadEncryptionCodec(keyring(`k2:${SECRET_2},k1:${SECRET_1}`));
    const [encoded] = await codec.encode([prompt()]);

    expect(text(encoded?.metadata?.[METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded?.metadata?.[METADATA_ENCRYPTION_KEY_ID])).toBe('k2');
    expect(Object.keys(encoded?.metadata ?? {}).sort()).toEqual([METADATA_ENCODING_KEY, METADATA_ENCRYPTION_KEY_ID]);
    expect(Buffer.from(encoded!.data!).includes('secret recipe')).toBe(false);
    expect(Buffer.from(encoded!.data!).includes('json/plain')).toBe(false);
  });

  test('when an encoded payload is decoded, the original metadata and data come back exactly', async () => {
    const codec = new PayloadEncryptionCodec(keyring(`k1:${SECRET_1}`));
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1 }), fc.uint8Array()),
        fc.uint8Array({ maxLength: 4096 }),
        async (metadata, data) => {
          const [decoded] = await codec.decode(await codec.encode([{ metadata, data }]));
          expect(Object.keys(decoded?.metadata ?? {}).sort()).toEqual(Object.keys(metadata).sort());
          for (const [key, value] of Object.entries(metadata)) {
            expect(Buffer.from(decoded!.metadata![key]!).equals(Buffer.from(value))).toBe(true);
          }
          expect(Buffer.from(decoded!.data!).equals(Buffer.from(data))).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  test('when the same payload is encoded twice, the ciphertexts differ (a fresh nonce each time)', async () => {
    const codec = new PayloadEncryptionCodec(keyring(`k1:${SECRET_1}`));
    const [a, b] = await codec.encode([prompt(), prompt()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  test('when a payload is not encrypted, decode passes it through untouched', async () => {
    const codec = new PayloadEncryptionCodec(keyring(`k1:${SECRET_1}`));
    const plain = prompt();
    const other: Payload = {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from('binary/zlib') },
      data: Buffer.from('x'),
    };
    const bare: Payload = {};
    const decoded = await codec.decode([plain, other, bare]);
    expect(decoded[0]).toBe(plain);
    expect(decoded[1]).toBe(other);
    expect(decoded[2]).toBe(bare);
  });

  test('when the keyring was rotated to k2,k1, payloads written under k1 still decode and new ones use k2', async () => {
    const before = new PayloadEncryptionCodec(keyring(`k1:${SECRET_1}`));
    const after = new PayloadEncryptionCodec(keyring(`k2:${SECRET_2},k1:${SECRET_1}`));
    const [old] = await before.encode([prompt()]);
    const [decoded] = await after.decode([old!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({
      messages: [{ role: 'user', content: 'the secret recipe' }],
    });
    const [fresh] = await after.encode([prompt()]);
    expect(text(fresh?.metadata?.[METADATA_ENCRYPTION_KEY_ID])).toBe('k2');
  });

  test('when a payload names a key that is not configured, decoding fails with an error naming that key id', async () => {
    const [old] = await new PayloadEncryptionCodec(keyring(`k1:${SECRET_1}`)).encode([prompt()]);
    const rotatedTooFar = new PayloadEncryptionCodec(keyring(`k3:${secret()},k2:${SECRET_2}`));
    const failure = await rotatedTooFar.decode([old!]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(PayloadDecryptionError);
    expect(failure).toMatchObject({ code: 'payload_key_unknown', keyId: 'k1' });
    expect((failure as Error).message).toContain('"k1"');
    expect((failure as Error).message).toContain('SWITCHYARD_PAYLOAD_KEYS');
  });

  test('when the ciphertext is altered or relabelled with another key id, decoding fails instead of returning garbage', async () => {
    const codec = new PayloadEncryptionCodec(keyring(`k2:${SECRET_2},k1:${SECRET_1}`));
    const [encoded] = await codec.encode([prompt()]);
    const flipped = Buffer.from(encoded!.data!);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    const relabelled = { ...encoded!.metadata, [METADATA_ENCRYPTION_KEY_ID]: Buffer.from('k1') };

    for (const payload of [
      { ...encoded, data: flipped },
      { ...encoded, metadata: relabelled },
    ]) {
      await expect(codec.decode([payload])).rejects.toMatchObject({ code: 'payload_undecryptable' });
    }
    await expect(codec.decode([{ ...encoded, data: Buffer.alloc(3) }])).rejects.toMatchObject({
      code: 'payload_undecryptable',
    });
  });
});

describe('payload key configuration', () => {
  test('when SWITCHYARD_PAYLOAD_KEYS is unset or blank, there is no codec (payloads stay as they are today)', () => {
    for (const env of [{}, { SWITCHYARD_PAYLOAD_KEYS: '  ' }]) {
      const config = loadConfig(env);
      expect(config.payloadEncryption.keys).toEqual([]);
      expect(dataConverterFor(config).payloadCodecs).toEqual([]);
    }
  });

  test('when keys are set, the first encrypts and the data converter carries the codec', () => {
    const config = loadConfig({ SWITCHYARD_PAYLOAD_KEYS: ` k2:${SECRET_2} , k1:${SECRET_1} ` });
    expect(config.payloadEncryption.keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    const [codec] = dataConverterFor(config).payloadCodecs ?? [];
    expect(codec).toBeInstanceOf(PayloadEncryptionCodec);
    expect((codec as PayloadEncryptionCodec).currentKeyId).toBe('k2');
  });

  test('when a key is bad, start-up fails naming SWITCHYARD_PAYLOAD_KEYS, the key id and the fix, never the key', () => {
    const cases: Array<[string, RegExp]> = [
      [`k1:not base64!`, /key "k1" is not valid base64; generate one with `openssl rand -base64 32`/],
      [`k1:${randomBytes(16).toString('base64')}`, /key "k1" is 16 bytes; AES-256 needs 32/],
      [`k1:${SECRET_1},k1:${SECRET_2}`, /key id "k1" is listed twice/],
      [SECRET_1, /entry 1 is not "<id>:<base64 key>"/],
      [`bad id:${SECRET_1}`, /key id "bad id" must be/],
    ];
    for (const [value, expected] of cases) {
      const problems = configProblems({ SWITCHYARD_PAYLOAD_KEYS: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^SWITCHYARD_PAYLOAD_KEYS: /);
      expect(problems[0]).toMatch(expected);
      expect(problems[0]).not.toContain(SECRET_1);
      expect(problems[0]).not.toContain(SECRET_2);
    }
  });

  test('when the config is logged, the key material does not appear', () => {
    const config = loadConfig({ SWITCHYARD_PAYLOAD_KEYS: `k1:${SECRET_1}` });
    const raw = Buffer.from(SECRET_1, 'base64');
    const logged = JSON.stringify(config);
    expect(logged).not.toContain(SECRET_1);
    expect(logged).not.toContain(raw.toString('hex'));
  });

  test('when codec CORS origins are set, they must be bare origins, named in the error otherwise', () => {
    expect(loadConfig({}).payloadEncryption.codecCorsOrigins).toEqual([
      'http://localhost:8233',
      'http://127.0.0.1:8233',
    ]);
    expect(
      loadConfig({ SWITCHYARD_CODEC_CORS_ORIGINS: 'https://ui.example.com, http://10.0.0.5:8080' }).payloadEncryption
        .codecCorsOrigins,
    ).toEqual(['https://ui.example.com', 'http://10.0.0.5:8080']);
    const [problem] = configProblems({ SWITCHYARD_CODEC_CORS_ORIGINS: 'https://ui.example.com/' });
    expect(problem).toMatch(/^SWITCHYARD_CODEC_CORS_ORIGINS: "https:\/\/ui.example.com\/" is not an origin/);
  });

  test('when encryption is on, workers refuse a client built without the data converter', () => {
    const config = loadConfig({ SWITCHYARD_PAYLOAD_KEYS: `k1:${SECRET_1}` });
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    expect(() => assertClientEncrypts(new Client({ connection }), config)).toThrow(/SWITCHYARD_PAYLOAD_KEYS/);
    expect(() =>
      assertClientEncrypts(new Client({ connection, dataConverter: dataConverterFor(config) }), config),
    ).not.toThrow();
    expect(() => assertClientEncrypts(new Client({ connection }), loadConfig({}))).not.toThrow();
  });
});

describe('codec server payload JSON', () => {
  test('when payloads go to protobuf JSON and back, metadata and data survive as base64', () => {
    const payload = prompt();
    const json = payloadsToJson([payload]);
    expect(json.payloads[0]?.metadata[METADATA_ENCODING_KEY]).toBe(Buffer.from('json/plain').toString('base64'));
    const [back] = payloadsFromJson(json);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual(defaultPayloadConverter.fromPayload(payload));
  });
});
