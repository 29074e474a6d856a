import OpenAI from 'openai';
import { Client } from '@temporalio/client';
import { lazyClosable } from '../helpers/closable-connection';
import { startApi } from '../../src/api/server';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/telemetry/logger';
import { freePort } from '../helpers/free-port';
import { chatBody, harnessEnv, startHarness, TEST_API_KEY, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

let harness: Harness;
let openai: OpenAI;

beforeAll(async () => {
  harness = await startHarness({ api: true });
  openai = new OpenAI({ baseURL: `${harness.api!.url}/v1`, apiKey: TEST_API_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await harness?.close();
});

describe('POST /v1/chat/completions through the official openai SDK', () => {
  test('returns the provider completion unchanged', async () => {
    const messages = [{ role: 'user' as const, content: 'What is durable execution?' }];
    const viaGateway = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 });
    const direct = await new OpenAI({
      baseURL: `${harness.mock.url}/openai/v1`,
      apiKey: 'sk-mock-openai',
      maxRetries: 0,
    }).chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0 });

    expect(viaGateway.object).toBe('chat.completion');
    expect(viaGateway.choices).toEqual(direct.choices);
    expect(viaGateway.usage).toEqual(direct.usage);
    expect(viaGateway.model).toBe(direct.model);
    expect(viaGateway.choices[0]?.message.content).toContain('What is durable execution?');
  });

  test('the response names the job that served it, which is readable over the jobs API', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hi Claude' }], max_tokens: 50 })
      .withResponse();
    const jobId = response.headers.get('x-switchyard-job-id');
    expect(jobId).toMatch(/^job_/);
    expect(response.headers.get('x-switchyard-provider')).toBe('anthropic:claude-haiku-4-5');
    expect(Number(response.headers.get('x-switchyard-cost-usd'))).toBeGreaterThan(0);
    const job = await api(harness.api!.url, 'GET', `/v1/jobs/${jobId}`);
    expect(job.body.status).toBe('completed');
    expect(job.body.result.completion.id).toBe(data.id);
  });

  test('an invalid request with stream: true is a 400 in OpenAI error shape, before any stream opens', async () => {
    const err = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, temperature: 7 })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
  });

  test('validation errors and a wrong key surface as the SDK error classes', async () => {
    await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
    const stranger = new OpenAI({ baseURL: `${harness.api!.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(
      stranger.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test('a provider that keeps failing after retries becomes a typed gateway error', async () => {
    const response = await api(harness.api!.url, 'POST', '/v1/chat/completions', {
      body: chatBody('Broken [[mock:status=401]]'),
    });
    expect(response.status).toBe(502);
    expect(response.body.error).toMatchObject({ code: 'provider_auth_failed', type: 'api_error' });
    expect(response.body.error.job_id).toMatch(/^job_/);
  });
});

describe('when Temporal is unreachable', () => {
  test('job endpoints answer 503 with Retry-After and /readyz says not ready', async () => {
    const env = harnessEnv(harness.mock.url, { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    const config = loadConfig(env);
    const connection = lazyClosable({ address: config.temporal.address, connectTimeout: 1_000 });
    const client = new Client({ connection });
    const down = await startApi({ client, config, logger: createLogger('test', 'silent') }, 0, '127.0.0.1');
    try {
      const submitted = await api(down.url, 'POST', '/v1/jobs', { body: chatBody('hello') });
      expect(submitted.status).toBe(503);
      expect(submitted.body.code).toBe('temporal_unavailable');
      expect(submitted.headers.get('retry-after')).toBe('5');
      expect((await api(down.url, 'GET', '/readyz', { key: null })).status).toBe(503);
    } finally {
      await down.close();
      await connection.close().catch(() => undefined);
    }
  });
});
