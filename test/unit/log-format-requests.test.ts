import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Level } from 'pino';
import { startApi, type RunningApi } from '../../src/api/server';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/telemetry/logger';
import { MemoryLog } from '../helpers/memory-log';

const API_KEY = 'sk-request-log-test';

interface RunningTestApi {
  api: RunningApi;
  log: MemoryLog;
  close: () => Promise<void>;
}

interface RequestRecord {
  msg: string;
  responseTime: number;
  jobId?: string;
  tenantId?: string;
  model?: string;
  req: { method: string; url: string; headers?: Record<string, string> };
  res: { statusCode: number; headers?: Record<string, unknown> };
}

/** The API in this process, logging JSON at `level` into memory; the requests used here never reach Temporal. */
async function apiLoggingAt(level: Level): Promise<RunningTestApi> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-request-log-'));
  const config = loadConfig({
    SWITCHYARD_API_KEY: API_KEY,
    CACHE_URL: `sqlite://${join(dataDir, 'cache.sqlite')}`,
    COUNTERS_URL: `sqlite://${join(dataDir, 'counters.sqlite')}`,
    TEMPORAL_ADDRESS: '127.0.0.1:1',
  });
  const log = new MemoryLog();
  const logger = createLogger('api', level, { format: 'json', destination: log });
  const connection = Connection.lazy({ address: config.temporal.address });
  const api = await startApi({ client: new Client({ connection }), config, logger }, 0, '127.0.0.1');
  return {
    api,
    log,
    close: async () => {
      await api.close();
      await connection.close();
    },
  };
}

async function requestRecord(log: MemoryLog, path: string): Promise<RequestRecord> {
  const line = await log.lineMatching((text) => text.includes(`"url":"${path}"`) && text.includes('"responseTime"'));
  return JSON.parse(line) as RequestRecord;
}

const submitWithoutMessages = (api: RunningApi) =>
  fetch(`${api.url}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'x-trace': 'trace-123' },
    body: JSON.stringify({ model: 'gpt-4o-mini' }),
  });

describe('request logs', () => {
  test('at info, a request is one line with method, path, status, duration and tenant, no headers, and no model from a body refused as invalid', async () => {
    const { api, log, close } = await apiLoggingAt('info');
    try {
      const response = await submitWithoutMessages(api);
      const record = await requestRecord(log, '/v1/jobs');

      expect(response.status).toBe(400);
      expect(record.msg).toMatch(/^POST \/v1\/jobs 400 \d+ms$/);
      expect(record).toMatchObject({ tenantId: 'default', res: { statusCode: 400 } });
      // A refused body's fields are whatever the client sent: a key pasted into `model` must not reach the log.
      expect(record).not.toHaveProperty('model');
      expect(record.req).toEqual({ id: expect.anything(), method: 'POST', url: '/v1/jobs' });
      expect(record.res).toEqual({ statusCode: 400 });
      expect(log.lines.join('\n')).not.toContain('trace-123');
      expect(log.lines.join('\n')).not.toContain(API_KEY);
    } finally {
      await close();
    }
  });

  test('a request about a job names the job, also when the id is refused', async () => {
    const { api, log, close } = await apiLoggingAt('info');
    try {
      const response = await fetch(`${api.url}/v1/jobs/job_no.pe`, { headers: { authorization: `Bearer ${API_KEY}` } });
      const record = await requestRecord(log, '/v1/jobs/job_no.pe');

      expect(response.status).toBe(400);
      expect(record.msg).toMatch(/^GET \/v1\/jobs\/job_no\.pe 400 \d+ms$/);
      expect(record).toMatchObject({ jobId: 'job_no.pe', tenantId: 'default' });
    } finally {
      await close();
    }
  });

  test('at debug, request and response headers are logged, with the API key redacted', async () => {
    const { api, log, close } = await apiLoggingAt('debug');
    try {
      await submitWithoutMessages(api);
      const record = await requestRecord(log, '/v1/jobs');

      expect(record.req.headers).toMatchObject({ 'x-trace': 'trace-123', authorization: '[redacted]' });
      expect(record.res.headers).toMatchObject({ 'content-type': expect.stringContaining('json') });
      expect(log.lines.join('\n')).not.toContain(API_KEY);
    } finally {
      await close();
    }
  });

  test('health probes are not logged', async () => {
    const { api, log, close } = await apiLoggingAt('info');
    try {
      await fetch(`${api.url}/healthz`);
      await fetch(`${api.url}/v1/nothing-here`);
      await requestRecord(log, '/v1/nothing-here');

      expect(log.lines.filter((line) => line.includes('/healthz'))).toEqual([]);
    } finally {
      await close();
    }
  });
});
