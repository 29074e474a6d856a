import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApiServices, type ApiServices } from '../../src/api/api-services';
import { planJob } from '../../src/api/job-plan';
import { chatCompletionBodySchema, toChatRequest } from '../../src/api/schemas';
import { startApi, type RunningApi } from '../../src/api/server';
import { loadConfig, type Config } from '../../src/config';
import type { CachedResponse } from '../../src/contract/job';
import { createLogger } from '../../src/telemetry/logger';
import { MemoryLog } from '../helpers/memory-log';

const API_KEY = 'sk-fast-path-test';
const BODY = { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: 'Hello, fast path' }] };
const completion = {
  id: 'chatcmpl-cached',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
} as unknown as CachedResponse['completion'];

interface Harness {
  api: RunningApi;
  log: MemoryLog;
  /** Reads of the cache store by the fast path. */
  reads: () => number;
  close: () => Promise<void>;
}

/** The API in this process with a cached answer for BODY; nothing here reaches Temporal. */
async function apiWithCachedAnswer(env: Record<string, string> = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-fast-path-'));
  const config: Config = loadConfig({
    SWITCHYARD_API_KEY: API_KEY,
    CACHE_URL: `sqlite://${join(dataDir, 'cache.sqlite')}`,
    COUNTERS_URL: `sqlite://${join(dataDir, 'counters.sqlite')}`,
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    OPENAI_API_KEY: 'sk-test-unused',
    ...env,
  });
  const services: ApiServices = await createApiServices(config);
  const request = toChatRequest(chatCompletionBodySchema.parse(BODY), { forwardMetadata: true });
  const key = planJob(config, 'default', request).cache?.key ?? '';
  await services.cache.set(key, { completion, providerId: 'openai', model: 'gpt-4o-mini' }, 60, 60);
  let reads = 0;
  const getTimed = services.cache.getTimed.bind(services.cache);
  services.cache.getTimed = (k, now) => {
    reads += 1;
    return getTimed(k, now);
  };
  const log = new MemoryLog();
  const logger = createLogger('api', 'info', { format: 'json', destination: log });
  const connection = Connection.lazy({ address: config.temporal.address });
  const api = await startApi({ client: new Client({ connection }), config, logger, services }, 0, '127.0.0.1');
  return {
    api,
    log,
    reads: () => reads,
    close: async () => {
      await api.close();
      await services.close();
      await connection.close();
    },
  };
}

const ask = (api: RunningApi, body: string, headers: Record<string, string> = {}) =>
  fetch(`${api.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    body,
  });

const requestLines = (log: MemoryLog) =>
  log.records().filter((record) => typeof record.responseTime === 'number' && record.msg !== undefined);

async function settledLines(log: MemoryLog, count: number) {
  for (let i = 0; i < 50 && requestLines(log).length < count; i++) await new Promise((r) => setTimeout(r, 10));
  return requestLines(log);
}

describe('cache hits answered in front of Express', () => {
  test('a repeated request is answered from the held answer, with the same headers, body and log line', async () => {
    const { api, log, reads, close } = await apiWithCachedAnswer();
    try {
      const first = await ask(api, JSON.stringify(BODY));
      const second = await ask(api, JSON.stringify(BODY));

      for (const response of [first, second]) {
        expect(response.status).toBe(200);
        expect(response.headers.get('x-switchyard-cache')).toBe('hit');
        expect(response.headers.get('x-switchyard-provider')).toBe('openai:gpt-4o-mini');
        expect(response.headers.get('x-switchyard-cost-usd')).toBe('0');
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(await response.json()).toEqual(completion);
      }
      // The second came from what the process held: the store was read once.
      expect(reads()).toBe(1);
      const lines = await settledLines(log, 2);
      expect(lines).toHaveLength(2);
      for (const line of lines) {
        expect(line).toMatchObject({
          level: 30,
          tenantId: 'default',
          model: 'gpt-4o-mini',
          costUsd: 0,
          req: { method: 'POST', url: '/v1/chat/completions' },
          res: { statusCode: 200 },
        });
        expect(line.msg).toMatch(/^POST \/v1\/chat\/completions 200 \d+ms$/);
      }
      expect(log.lines.join('\n')).not.toContain('fast-path hit');
    } finally {
      await close();
    }
  });

  test('a body read in front of Express that is not JSON is the same 400 invalid_json', async () => {
    const { api, close } = await apiWithCachedAnswer();
    try {
      await ask(api, JSON.stringify(BODY));
      for (const body of ['{"model": ', '"just a string"', '\u00a0{}']) {
        const response = await ask(api, body);
        expect(response.status).toBe(400);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
      }
    } finally {
      await close();
    }
  });

  test('bodies that differ only in spacing, or are invalid, still go through validation', async () => {
    const { api, close } = await apiWithCachedAnswer();
    try {
      await ask(api, JSON.stringify(BODY));
      const spaced = await ask(api, JSON.stringify(BODY, null, 2));
      expect(spaced.headers.get('x-switchyard-cache')).toBe('hit');
      // A body that asks to stream gets the hit streamed, never the held JSON answer.
      const streaming = await ask(api, JSON.stringify({ ...BODY, stream: true }));
      expect(streaming.status).toBe(200);
      expect(streaming.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await streaming.text()).toMatch(/data: \[DONE\]\n\n$/);
      const invalid = await ask(api, JSON.stringify({ ...BODY, stream_options: { include_usage: true } }));
      expect(invalid.status).toBe(400);
      const wrongKey = await ask(api, JSON.stringify(BODY), { authorization: 'Bearer sk-wrong' });
      expect(wrongKey.status).toBe(401);
    } finally {
      await close();
    }
  });
});
