import { fromMessageBatch } from '../../activities/providers/anthropic/batch-wire';
import { fromOpenAIBatch } from '../../activities/providers/openai/batch-wire';
import { ProviderError } from '../../activities/providers/provider-error';
import { createProviderAdapter } from '../../activities/providers/registry';
import type { ProviderAdapter, ProviderBatches } from '../../activities/providers/types';
import type { ChatRequest, ProviderType } from '../../src/contract/chat';
import { FailureType } from '../../src/contract/failure-types';
import {
  BatchItemNotRun,
  FINAL_BATCH_STATES,
  type ProviderBatchItem,
  type ProviderBatchRef,
  type ProviderBatchResult,
  type ProviderBatchStatus,
} from '../../src/contract/provider-batch';
import { type MockProviderHandle, startMockProvider } from '../../src/mock-provider';

// The adapters' Batch API capability end to end against the mock: submit, poll, read results, cancel.

const BATCHERS: Array<{ type: ProviderType; path: string; model: string; logAs: string }> = [
  { type: 'openai', path: '/openai/v1', model: 'gpt-4o-mini', logAs: 'openai.batch' },
  { type: 'anthropic', path: '/anthropic', model: 'claude-haiku-4-5', logAs: 'anthropic.batch' },
];

const FAST_MS = 300;

let mock: MockProviderHandle;
let keys = 0;

beforeAll(async () => {
  mock = await startMockProvider({ port: 0, batchCompletionMs: FAST_MS });
});

beforeEach(() => {
  mock.setBehavior({ batchCompletionMs: FAST_MS, batchExpiryMs: 24 * 60 * 60 * 1000, errorRates: {} });
});

afterAll(async () => {
  await mock.close();
});

/** An adapter with a key of its own, so a test finds its calls in the mock's log. */
function adapterFor(type: ProviderType, path: string): { adapter: ProviderAdapter; key: string } {
  const key = `sk-batch-${type}-${++keys}`;
  return {
    adapter: createProviderAdapter(type, { apiKey: key, baseUrl: `${mock.url}${path}`, timeoutMs: 5_000 }),
    key,
  };
}

function batchesOf(adapter: ProviderAdapter): ProviderBatches {
  if (adapter.batches === undefined) throw new Error(`the ${adapter.type} adapter has no batches`);
  return adapter.batches;
}

function request(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'alias', messages: [{ role: 'user', content: text }], max_tokens: 200, ...extra };
}

async function untilFinal(batches: ProviderBatches, batch: ProviderBatchRef): Promise<ProviderBatchStatus> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await batches.status({ batch });
    if (FINAL_BATCH_STATES.includes(status.state)) return status;
    if (Date.now() > deadline) throw new Error(`batch ${batch.providerBatchId} did not end`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function byCustomId(results: readonly ProviderBatchResult[]): Map<string, ProviderBatchResult> {
  return new Map(results.map((result) => [result.customId, result]));
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe.each(BATCHERS)('$type batches', ({ type, path, model, logAs }) => {
  it('when 50 items are submitted, each result matches its item by customId, failures included, with usage', async () => {
    const { adapter, key } = adapterFor(type, path);
    const batches = batchesOf(adapter);
    const faults: Record<number, string> = {
      7: '[[mock:status=500]]',
      23: '[[mock:status=500]]',
      31: '[[mock:content-policy]]',
    };
    const items: ProviderBatchItem[] = Array.from({ length: 50 }, (_, i) => ({
      customId: `item-${i}`,
      request: request(`Question number ${i} ${faults[i] ?? ''}`.trim()),
    }));

    const { batch, rejected } = await batches.submit({ model, items });
    expect(rejected).toEqual([]);
    const status = await untilFinal(batches, batch);
    expect(status).toMatchObject({ state: 'ended', total: 50, succeeded: 47, failed: 3, cancelled: 0, expired: 0 });

    const results = await batches.results({ batch });
    expect(results).toHaveLength(50);
    const found = byCustomId(results);
    expect([...found.keys()].sort()).toEqual(items.map((item) => item.customId).sort());
    expect(found.get('item-7')).toMatchObject({ ok: false, error: { type: FailureType.ServerError } });
    expect(found.get('item-23')).toMatchObject({ ok: false, error: { type: FailureType.ServerError } });
    expect(found.get('item-31')).toMatchObject({ ok: false, error: { type: FailureType.ContentPolicy } });

    const sync = await adapter.chat({ model, request: items[12]!.request });
    const twelve = found.get('item-12');
    expect(twelve?.ok).toBe(true);
    if (twelve?.ok !== true) return;
    expect(twelve.completion.choices[0]!.message.content).toBe(sync.choices[0]!.message.content);
    expect(twelve.completion.usage).toMatchObject({
      prompt_tokens: sync.usage.prompt_tokens,
      completion_tokens: sync.usage.completion_tokens,
    });

    // Money is conserved: the tokens the results report are the tokens the provider logged, each item once.
    const calls = mock.calls().calls.filter((call) => call.apiKey === key && call.endpoint === logAs);
    expect(calls).toHaveLength(47);
    const reported = results.flatMap((result) => (result.ok ? [result.completion.usage] : []));
    const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
    expect(sum(reported.map((usage) => usage.prompt_tokens))).toBe(sum(calls.map((call) => call.promptTokens)));
    expect(sum(reported.map((usage) => usage.completion_tokens))).toBe(sum(calls.map((call) => call.completionTokens)));
  });

  it('when an item asks for a JSON schema answer, its completion content is that JSON', async () => {
    const batches = batchesOf(adapterFor(type, path).adapter);
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    const { batch } = await batches.submit({
      model,
      items: [
        {
          customId: 'json',
          request: request('Name a city', {
            response_format: { type: 'json_schema', json_schema: { name: 'place', schema } },
          }),
        },
        { customId: 'text', request: request('Plain') },
      ],
    });
    await untilFinal(batches, batch);
    const found = byCustomId(await batches.results({ batch }));

    const json = found.get('json');
    expect(json?.ok).toBe(true);
    if (json?.ok !== true) return;
    expect(JSON.parse(json.completion.choices[0]!.message.content ?? '')).toEqual({ city: expect.any(String) });
    expect(json.completion.choices[0]!.finish_reason).toBe('stop');
  });

  it('when a batch is cancelled, the items not yet run come back as cancelled and are never logged', async () => {
    mock.setBehavior({ batchCompletionMs: 5_000 });
    const { adapter, key } = adapterFor(type, path);
    const batches = batchesOf(adapter);
    const items = Array.from({ length: 5 }, (_, i) => ({ customId: `c${i}`, request: request(`Item ${i}`) }));
    const { batch } = await batches.submit({ model, items });

    const cancelling = await batches.cancel({ batch });
    expect(cancelling.state).toBe('cancelling');
    const status = await untilFinal(batches, batch);
    expect(status).toMatchObject({ state: 'cancelled', succeeded: 0, cancelled: 5 });
    const results = await batches.results({ batch });
    expect(results).toHaveLength(5);
    for (const result of results) {
      expect(result).toMatchObject({ ok: false, error: { type: BatchItemNotRun.Cancelled } });
    }
    expect(mock.calls().calls.filter((call) => call.apiKey === key)).toHaveLength(0);
    // Cancelling again once it has ended changes nothing and is no error.
    expect((await batches.cancel({ batch })).state).toBe('cancelled');
  });

  it('when the batch expires first, its unrun items come back as expired', async () => {
    mock.setBehavior({ batchCompletionMs: 2_000, batchExpiryMs: 100 });
    const batches = batchesOf(adapterFor(type, path).adapter);
    const { batch } = await batches.submit({ model, items: [{ customId: 'late', request: request('Too late') }] });

    expect(await untilFinal(batches, batch)).toMatchObject({ state: 'expired', expired: 1 });
    expect(await batches.results({ batch })).toEqual([
      { customId: 'late', ok: false, error: expect.objectContaining({ type: BatchItemNotRun.Expired }) },
    ]);
  });

  it('when results are asked for while the batch runs, the call is an invalid request', async () => {
    mock.setBehavior({ batchCompletionMs: 5_000 });
    const batches = batchesOf(adapterFor(type, path).adapter);
    const { batch } = await batches.submit({ model, items: [{ customId: 'a', request: request('x') }] });

    expect((await rejection(batches.results({ batch }))).type).toBe(FailureType.InvalidRequest);
    await batches.cancel({ batch });
  });

  it('when items have unusable customIds, they are rejected at submit and the rest are sent', async () => {
    const batches = batchesOf(adapterFor(type, path).adapter);
    const { batch, rejected } = await batches.submit({
      model,
      items: [
        { customId: 'good', request: request('x') },
        { customId: 'good', request: request('again') },
        { customId: 'has space', request: request('y') },
      ],
    });

    expect(rejected.map((result) => result.customId)).toEqual(['good', 'has space']);
    expect(rejected.every((result) => !result.ok && result.error.type === FailureType.InvalidRequest)).toBe(true);
    await untilFinal(batches, batch);
    expect((await batches.results({ batch })).map((result) => result.customId)).toEqual(['good']);
  });

  it('when no item can be sent, submit rejects with an invalid request and creates nothing', async () => {
    const batches = batchesOf(adapterFor(type, path).adapter);
    const before = mock.stats().byEndpoint[`${type}.batches.create`] ?? 0;
    expect((await rejection(batches.submit({ model, items: [] }))).type).toBe(FailureType.InvalidRequest);
    expect(mock.stats().byEndpoint[`${type}.batches.create`] ?? 0).toBe(before);
  });

  it('when the provider is overloaded, submit rejects with the classified failure', async () => {
    mock.setBehavior({ errorRates: { '503': 1 } });
    const batches = batchesOf(adapterFor(type, path).adapter);
    const error = await rejection(batches.submit({ model, items: [{ customId: 'a', request: request('x') }] }));
    expect(error.type).toBe(FailureType.Overloaded);
    expect(error.details.status).toBe(503);
  });
});

describe('batch capability', () => {
  it('when the connection is an OpenAI-compatible server, the adapter offers no batches', () => {
    const adapter = createProviderAdapter('openai-compatible', {
      apiKey: 'k',
      baseUrl: `${mock.url}/openai/v1`,
      timeoutMs: 1_000,
    });
    expect(adapter.batches).toBeUndefined();
  });

  it('when an Anthropic request cannot be translated, only that item is rejected', async () => {
    const batches = batchesOf(adapterFor('anthropic', '/anthropic').adapter);
    const { batch, rejected } = await batches.submit({
      model: 'claude-haiku-4-5',
      items: [
        { customId: 'ok', request: request('fine') },
        {
          customId: 'both',
          request: request('x', {
            tools: [{ type: 'function', function: { name: 'f' } }],
            response_format: { type: 'json_object' },
          }),
        },
      ],
    });
    expect(rejected).toEqual([
      { customId: 'both', ok: false, error: expect.objectContaining({ type: FailureType.InvalidRequest }) },
    ]);
    await untilFinal(batches, batch);
  });
});

describe('batch status wire', () => {
  it('when OpenAI failed a batch in validation, the status is failed with the lines named', () => {
    const status = fromOpenAIBatch({
      id: 'batch_1',
      status: 'failed',
      request_counts: { total: 0, completed: 0, failed: 0 },
      errors: {
        object: 'list',
        data: [{ code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', line: 2 }],
      },
    }).status;
    expect(status).toEqual({
      state: 'failed',
      total: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      expired: 0,
      error: 'line 2: This line is not parseable as valid JSON.',
    });
  });

  it('when an OpenAI batch was cancelled, the items in neither count are the cancelled ones', () => {
    const { status } = fromOpenAIBatch({ status: 'cancelled', request_counts: { total: 10, completed: 3, failed: 1 } });
    expect(status).toMatchObject({ state: 'cancelled', succeeded: 3, failed: 1, cancelled: 6 });
  });

  it('when an Anthropic batch is canceling or ended after a cancel, the states say so', () => {
    const counts = { processing: 0, succeeded: 1, errored: 0, canceled: 2, expired: 0 };
    expect(
      fromMessageBatch({ processing_status: 'canceling', request_counts: { ...counts, processing: 3 } }).state,
    ).toBe('cancelling');
    expect(
      fromMessageBatch({
        processing_status: 'ended',
        cancel_initiated_at: '2025-01-01T00:00:00Z',
        request_counts: counts,
      }),
    ).toEqual({ state: 'cancelled', total: 3, succeeded: 1, failed: 0, cancelled: 2, expired: 0 });
  });

  it('when a provider sends a status the adapters do not know, it is a malformed response', () => {
    expect(() => fromOpenAIBatch({ status: 'paused' })).toThrow(ProviderError);
    expect(() => fromMessageBatch({ processing_status: 'paused' })).toThrow(ProviderError);
  });
});
