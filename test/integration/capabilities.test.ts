import type { MockCallLog } from '../../src/mock-provider';
import { chatBody, startHarness, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

/**
 * A parameter a target cannot honour skips that target in its chain; when no target can, the client gets a 400
 * naming the parameter and the targets, and no provider is called.
 */

let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await startHarness({
    api: true,
    config: {
      routes: {
        'claude-first': { targets: ['claude-haiku-4-5', 'gpt-4o-mini'] },
        'claude-only': { targets: ['claude-haiku-4-5', 'anthropic:claude-sonnet-4-5'] },
      },
    },
  });
  url = harness.api!.url;
}, 60_000);
afterAll(async () => {
  await harness?.close();
});

/** Every call the mock provider answered so far, from its own log over HTTP. */
async function providerCalls(): Promise<MockCallLog> {
  const response = await fetch(`${harness.mock.url}/_mock/calls`);
  expect(response.status).toBe(200);
  return (await response.json()) as MockCallLog;
}

test('a request for logprobs on a route led by Anthropic skips it and is answered by OpenAI', async () => {
  const before = (await providerCalls()).calls.length;
  const response = await api(url, 'POST', '/v1/chat/completions', {
    body: chatBody('Which words are likely?', 'claude-first', { logprobs: true, top_logprobs: 2 }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-switchyard-provider')).toBe('openai:gpt-4o-mini');
  expect(response.body.choices[0].message.role).toBe('assistant');

  const calls = (await providerCalls()).calls.slice(before);
  expect(calls.map((call) => call.provider)).toEqual(['openai']);
});

test('the same route without logprobs is still answered by Anthropic first', async () => {
  const before = (await providerCalls()).calls.length;
  const response = await api(url, 'POST', '/v1/chat/completions', { body: chatBody('Hello there', 'claude-first') });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-switchyard-provider')).toBe('anthropic:claude-haiku-4-5');
  expect((await providerCalls()).calls.slice(before).map((call) => call.provider)).toEqual(['anthropic']);
});

test('when no target can honour logprobs, the client gets a 400 unsupported_parameter naming it and the targets', async () => {
  const before = (await providerCalls()).calls.length;
  const chat = await api(url, 'POST', '/v1/chat/completions', {
    body: chatBody('Which words are likely?', 'claude-only', { logprobs: true }),
  });
  expect(chat.status).toBe(400);
  expect(chat.body.error).toMatchObject({ code: 'unsupported_parameter', param: 'logprobs' });
  expect(chat.body.error.message).toContain('anthropic:claude-haiku-4-5');
  expect(chat.body.error.message).toContain('anthropic:claude-sonnet-4-5');

  const job = await api(url, 'POST', '/v1/jobs', {
    body: chatBody('Which words are likely?', 'claude-haiku-4-5', { logprobs: true }),
  });
  expect(job.status).toBe(400);
  expect(job.body).toMatchObject({ code: 'unsupported_parameter' });
  expect(JSON.stringify(job.body)).toContain('anthropic:claude-haiku-4-5');
  expect((await providerCalls()).calls.length).toBe(before);
});
