import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import {
  dataConverterFor,
  ENCRYPTED_ENCODING,
  METADATA_ENCRYPTION_KEY_ID,
  payloadsFromJson,
  payloadsToJson,
} from '../../src/codec';
import { freePort } from '../helpers/free-port';
import { chatBody, startHarness, TEST_API_KEY, workflowBundle, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';
import { exited, spawnApi, spawnWorker, untilHealthy } from '../helpers/worker-process';

const ADMIN = 'sk-test-admin';
const UI_ORIGIN = 'http://temporal-ui.test:8233';
const keyEntry = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const K1 = keyEntry('k1');
const K2 = keyEntry('k2');
const logDir = mkdtempSync(join(tmpdir(), 'switchyard-encryption-'));

interface WrittenJob {
  id: string;
  /** Unique text of the prompt; the mock provider echoes it into the completion. */
  prompt: string;
}

let unencrypted: WrittenJob;
let underK1: WrittenJob;
let underK2: WrittenJob;
let rotated: Harness;

async function runJob(url: string): Promise<WrittenJob> {
  const prompt = `the launch code is ${randomBytes(8).toString('hex')}`;
  const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody(prompt) });
  expect(submitted.status).toBe(202);
  const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`);
  expect(done.body.status).toBe('completed');
  return { id: submitted.body.id as string, prompt };
}

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const encodingOf = (payload: Payload | undefined) => text(payload?.metadata?.[METADATA_ENCODING_KEY]);
const keyIdOf = (payload: Payload | undefined) => text(payload?.metadata?.[METADATA_ENCRYPTION_KEY_ID]);

function isPayload(value: object): value is Payload {
  const metadata = (value as { metadata?: unknown }).metadata;
  return typeof metadata === 'object' && metadata !== null && METADATA_ENCODING_KEY in metadata;
}

/**
 * Every payload carrying application data in a raw history, and every byte string in it. Left out: search attributes
 * (indexed in clear by design) and the SDK's own marker bookkeeping (patch ids, local-activity sequence numbers).
 */
function scan(history: History): { payloads: Payload[]; bytes: Uint8Array[] } {
  const payloads: Payload[] = [];
  const bytes: Uint8Array[] = [];
  const bookkeeping = /(^|\.)searchAttributes\.|markerRecordedEventAttributes\.details\.(data|patch-data)\./;
  const visit = (value: unknown, path: string): void => {
    if (value instanceof Uint8Array) {
      bytes.push(value);
    } else if (typeof value === 'object' && value !== null) {
      if (isPayload(value) && !bookkeeping.test(path)) payloads.push(value);
      for (const [key, child] of Object.entries(value)) visit(child, `${path}${key}.`);
    }
  };
  visit(history, '');
  return { payloads, bytes };
}

const fetchHistory = (workflowId: string) => rotated.client.workflow.getHandle(workflowId).fetchHistory();

function inputAndResult(history: History): [Payload | undefined, Payload | undefined] {
  const events = history.events ?? [];
  const input = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const result = events.find((e) => e.workflowExecutionCompletedEventAttributes)
    ?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  return [input ?? undefined, result ?? undefined];
}

async function stop(children: ChildProcess[]): Promise<void> {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map(exited));
}

beforeAll(async () => {
  // A history recorded before encryption was turned on.
  const plain = await startHarness({ api: true });
  try {
    unencrypted = await runJob(plain.api!.url);
  } finally {
    await plain.close();
  }

  // A history written under k1 alone, by the real API and worker processes.
  const old = await startHarness({ worker: false, payloadKeys: K1 });
  const port = await freePort();
  const env = { ...old.env, PORT: String(port), LOG_LEVEL: 'info' };
  const children = [spawnWorker(env, join(logDir, 'worker-k1.log')), spawnApi(env, join(logDir, 'api-k1.log'))];
  try {
    await untilHealthy(`http://127.0.0.1:${port}`, children[1]!);
    underK1 = await runJob(`http://127.0.0.1:${port}`);
  } finally {
    await stop(children);
    await old.close();
  }

  // Then k2 is prepended: k2 encrypts, k1 still decrypts.
  rotated = await startHarness({
    api: true,
    payloadKeys: `${K2},${K1}`,
    env: { SWITCHYARD_ADMIN_KEY: ADMIN, SWITCHYARD_CODEC_CORS_ORIGINS: UI_ORIGIN },
  });
  underK2 = await runJob(rotated.api!.url);
}, 150_000);
afterAll(async () => {
  await rotated?.close();
});

test('when keys are configured, a job completes and its history holds its prompt and completion only encrypted', async () => {
  const history = await fetchHistory(underK2.id);
  const [input, result] = inputAndResult(history);
  for (const payload of [input, result]) {
    expect(encodingOf(payload)).toBe(ENCRYPTED_ENCODING);
    expect(keyIdOf(payload)).toBe('k2');
  }
  const { payloads, bytes } = scan(history);
  // Activity inputs and results, local-activity markers and memo are encrypted too.
  expect(payloads.length).toBeGreaterThan(4);
  expect(payloads.filter((p) => encodingOf(p) !== ENCRYPTED_ENCODING)).toEqual([]);
  expect(bytes.filter((b) => Buffer.from(b).includes(underK2.prompt))).toEqual([]);

  const status = await api(rotated.api!.url, 'GET', `/v1/jobs/${underK2.id}`);
  expect(JSON.stringify(status.body.result)).toContain(underK2.prompt);
});

test('when the real API and worker processes run with keys, what they write is encrypted under the current key', async () => {
  const history = await fetchHistory(underK1.id);
  const [input, result] = inputAndResult(history);
  expect([keyIdOf(input), keyIdOf(result)]).toEqual(['k1', 'k1']);
  expect(scan(history).bytes.filter((b) => Buffer.from(b).includes(underK1.prompt))).toEqual([]);
});

test('when k2 is prepended to k1, a history written under k1 alone is still readable', async () => {
  const status = await api(rotated.api!.url, 'GET', `/v1/jobs/${underK1.id}`);
  expect(status.body.status).toBe('completed');
  expect(JSON.stringify(status.body.result)).toContain(underK1.prompt);
});

test('when a history was written without a codec, it stays readable once keys are configured', async () => {
  const [input] = inputAndResult(await fetchHistory(unencrypted.id));
  expect(encodingOf(input)).toBe('json/plain');
  const status = await api(rotated.api!.url, 'GET', `/v1/jobs/${unencrypted.id}`);
  expect(status.body.status).toBe('completed');
  expect(JSON.stringify(status.body.result)).toContain(unencrypted.prompt);
});

describe('the codec endpoint', () => {
  const decode = (payloads: Payload[], key: string | null, headers: Record<string, string> = {}) =>
    api(rotated.api!.url, 'POST', '/v1/admin/codec/decode', { key, body: payloadsToJson(payloads), headers });

  test('when an operator asks, it decodes the payloads of histories written under k1, k2 and without a codec', async () => {
    const payloads = [
      ...inputAndResult(await fetchHistory(underK2.id)),
      ...inputAndResult(await fetchHistory(underK1.id)),
      ...inputAndResult(await fetchHistory(unencrypted.id)),
    ].map((p) => p!);
    const response = await decode(payloads, ADMIN, { origin: UI_ORIGIN, 'x-namespace': 'default' });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const decoded = payloadsFromJson(response.body);
    expect(decoded.map(encodingOf)).toEqual(Array(6).fill('json/plain'));
    const texts = decoded.map((p) => JSON.stringify(defaultPayloadConverter.fromPayload(p)));
    for (const [index, job] of [underK2, underK1, unencrypted].entries()) {
      expect(texts[index * 2]).toContain(job.prompt); // the job's input
      expect(texts[index * 2 + 1]).toContain(job.prompt); // the completion echoing it
    }
  });

  test('when a tenant key or no key is presented, it refuses to decode', async () => {
    const [input] = inputAndResult(await fetchHistory(underK2.id));
    const asTenant = await decode([input!], TEST_API_KEY);
    expect(asTenant.status).toBe(403);
    expect(asTenant.body.code).toBe('admin_key_required');
    expect(asTenant.body).not.toHaveProperty('payloads');
    expect((await decode([input!], null)).status).toBe(401);
  });

  test('when it encodes, the payload is encrypted under the current key and decodes back', async () => {
    const plain = defaultPayloadConverter.toPayload({ note: 'typed in the UI' });
    // The CLI's `--codec-endpoint …/{namespace}` form puts the namespace before the operation.
    const encoded = await api(rotated.api!.url, 'POST', '/v1/admin/codec/default/encode', {
      key: ADMIN,
      body: payloadsToJson([plain]),
    });
    expect(encoded.status).toBe(200);
    const [encrypted] = payloadsFromJson(encoded.body);
    expect([encodingOf(encrypted), keyIdOf(encrypted)]).toEqual([ENCRYPTED_ENCODING, 'k2']);
    const [back] = payloadsFromJson((await decode([encrypted!], ADMIN)).body);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual({ note: 'typed in the UI' });
  });

  test('when a payload names a key that is not configured, or the body is malformed, it answers 400 naming why', async () => {
    const foreign: Payload = {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [METADATA_ENCRYPTION_KEY_ID]: Buffer.from('k0'),
      },
      data: randomBytes(64),
    };
    const unknownKey = await decode([foreign], ADMIN);
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body).toMatchObject({ code: 'payload_key_unknown', key_id: 'k0' });
    expect(unknownKey.body.detail).toContain('"k0"');

    const malformed = await api(rotated.api!.url, 'POST', '/v1/admin/codec/decode', {
      key: ADMIN,
      body: { payloads: [{ metadata: {}, data: '%%%' }] },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toContain('payloads.0.data');
  });

  test("when the Temporal UI's browser sends a preflight, its configured origin is allowed and others are not", async () => {
    const preflight = (origin: string) =>
      api(rotated.api!.url, 'OPTIONS', '/v1/admin/codec/decode', {
        key: null,
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const allowed = await preflight(UI_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('authorization,content-type,x-namespace');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');

    const other = await preflight('http://elsewhere.test');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.body.detail).toContain('SWITCHYARD_CODEC_CORS_ORIGINS');
  });
});

// Replay decodes workflow inputs and activity results like a worker does: without the codec it cannot read them.
test('when encrypted histories are replayed with the data converter of the config, they replay without errors', async () => {
  const histories = await Promise.all(
    [underK2, underK1, unencrypted].map(async ({ id }) => ({ workflowId: id, history: await fetchHistory(id) })),
  );
  const replayed = Worker.runReplayHistories(
    { workflowBundle: await workflowBundle(), dataConverter: dataConverterFor(rotated.config) },
    histories,
  );
  const errors: unknown[] = [];
  for await (const result of replayed) errors.push(result.error);
  expect(errors).toEqual([undefined, undefined, undefined]);
}, 60_000);

test('when SWITCHYARD_PAYLOAD_KEYS is malformed, the worker process refuses to start and names the variable', async () => {
  const env = {
    ...rotated.env,
    SWITCHYARD_PAYLOAD_KEYS: `k1:${randomBytes(16).toString('base64')}`,
  };
  const worker = spawnWorker(env, join(logDir, 'worker-bad.log'));
  let stderr = '';
  worker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // 'close' comes after the process has exited and its output has been read to the end.
  const exitCode = await new Promise<number | null>((resolve) => worker.once('close', resolve));
  expect(exitCode).toBe(1);
  expect(stderr).toContain(
    'SWITCHYARD_PAYLOAD_KEYS: key "k1" is 16 bytes; AES-256 needs 32, so generate one with `openssl rand -base64 32`',
  );
});
