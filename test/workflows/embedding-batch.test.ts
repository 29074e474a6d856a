import { ApplicationFailure } from '@temporalio/common';
import {
  EMBEDDING_BATCH_WORKFLOW,
  type EmbeddingBatchInput,
  type EmbeddingBatchResult,
  type EmbeddingBatchWorkflow,
  type EmbeddingItem,
} from '../../src/contract/embedding-batch';
import { FailureType, KEY_POOL_BUSY } from '../../src/contract/failure-types';
import { jobsTaskQueue } from '../../src/contract/task-queues';
import { PREFIX, startTimeSkipping, target, type TimeSkipping } from '../helpers/time-skipping';

let ts: TimeSkipping;

beforeAll(async () => {
  ts = await startTimeSkipping(['openai']);
});
afterAll(async () => {
  await ts?.close();
});
beforeEach(() => ts.reset());

let sequence = 0;

function item(text: string, overrides: Partial<EmbeddingItem> = {}): EmbeddingItem {
  return { id: text, tenantId: 'acme', text, estimateUsd: 0.001, caps: { dailyUsd: 10 }, cache: null, ...overrides };
}

function run(items: EmbeddingItem[]): Promise<EmbeddingBatchResult> {
  sequence += 1;
  const input: EmbeddingBatchInput = {
    batchId: `embeddings-ts-${sequence}-${Date.now()}`,
    // $1 per million tokens.
    target: target('openai', 'text-embedding-3-small'),
    items,
    acceptedAt: new Date().toISOString(),
  };
  return ts.client.workflow.execute<EmbeddingBatchWorkflow>(EMBEDDING_BATCH_WORKFLOW, {
    workflowId: input.batchId,
    taskQueue: jobsTaskQueue(PREFIX),
    args: [input],
  });
}

/** What the provider would answer when it rejects a request with a text in it: a non-retryable 400. */
function invalid(): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.InvalidRequest, message: 'bad input', nonRetryable: true });
}

describe('the embedding batch workflow', () => {
  test('one call for every item, each charged its share of the billed tokens, the shares adding up', async () => {
    ts.stubs.embedTexts = (input) => ({
      model: input.model,
      vectors: input.texts.map((text) => Buffer.from(text).toString('base64')),
      inputTokens: 101,
      latencyMs: 1,
      keyAlias: 'k',
    });
    const result = await run([item('aa'), item('bbbb'), item('cccc')]);
    expect(result.providerCalls).toBe(1);
    const tokens = result.items.map((r) => (r.ok ? r.tokens : NaN));
    expect(tokens.reduce((a, b) => a + b, 0)).toBe(101);
    const commits = ts.inputsOf('commitBudget');
    expect(commits).toHaveLength(3);
    const charged = commits.reduce((sum, c) => sum + c.actualUsd, 0);
    expect(charged).toBeCloseTo(101 / 1e6, 10);
    expect(ts.inputsOf('releaseBudget')).toHaveLength(0);
  });

  test('an item over its tenant\u2019s cap fails alone before the call, and is never charged', async () => {
    ts.stubs.reserveBudget = (input) =>
      input.tenantId === 'broke'
        ? { ok: false, period: 'daily', capUsd: 1, usedUsd: 1 }
        : { ok: true, reservedUsd: input.amountUsd };
    const result = await run([item('a'), item('b', { tenantId: 'broke' }), item('c')]);
    expect(result.items[1]).toMatchObject({ ok: false, failureType: FailureType.BudgetExceeded });
    expect(result.items[0]?.ok && result.items[2]?.ok).toBe(true);
    expect(ts.inputsOf('embedTexts')[0]?.texts).toEqual(['a', 'c']);
    expect(ts.inputsOf('commitBudget').map((c) => c.reservationId.split(':').at(-1))).toEqual(['a', 'c']);
  });

  test('a batch the provider rejects is split until the bad text fails alone; the rest are embedded', async () => {
    ts.stubs.embedTexts = (input) => {
      if (input.texts.includes('bad')) throw invalid();
      return {
        model: input.model,
        vectors: input.texts.map(() => 'AAAAAA=='),
        inputTokens: input.texts.length,
        latencyMs: 1,
        keyAlias: 'k',
      };
    };
    const texts = ['t0', 't1', 't2', 'bad', 't4', 't5', 't6', 't7'];
    const result = await run(texts.map((text) => item(text)));
    expect(result.items.map((r) => r.ok)).toEqual(texts.map((text) => text !== 'bad'));
    expect(result.items[3]).toMatchObject({ ok: false, failureType: FailureType.InvalidRequest });
    // The whole; its halves (one fails); that half's quarters (one fails); that quarter's two texts.
    expect(result.providerCalls).toBe(7);
    // The refused text's reservation is released; every other one is committed once.
    expect(ts.inputsOf('releaseBudget').map((r) => r.reservationId.split(':').at(-1))).toEqual(['bad']);
    expect(ts.inputsOf('commitBudget')).toHaveLength(7);
  });

  test('a provider failure that retries cannot fix fails every item, and every reservation is released', async () => {
    ts.stubs.embedTexts = () => {
      throw ApplicationFailure.create({ type: FailureType.Auth, message: 'bad key', nonRetryable: true });
    };
    const result = await run([item('x'), item('y')]);
    expect(result.items.every((r) => !r.ok && r.failureType === FailureType.Auth)).toBe(true);
    expect(ts.inputsOf('commitBudget')).toHaveLength(0);
    expect(ts.inputsOf('releaseBudget')).toHaveLength(2);
  });

  test('a busy key pool is waited out on a timer, without spending the call\u2019s attempts', async () => {
    let busy = 2;
    ts.stubs.embedTexts = (input) => {
      if (busy-- > 0) {
        throw ApplicationFailure.create({
          type: KEY_POOL_BUSY,
          message: 'no key free',
          nonRetryable: true,
          details: [{ retryAfterMs: 5_000 }],
        });
      }
      return { model: input.model, vectors: ['AAAAAA=='], inputTokens: 3, latencyMs: 1, keyAlias: 'k' };
    };
    const result = await run([item('patient')]);
    expect(result.items[0]?.ok).toBe(true);
    expect(result.providerCalls).toBe(1);
    expect(ts.inputsOf('embedTexts')).toHaveLength(3);
  });

  test('cached items are answered free, without a reservation or a call', async () => {
    const result = await run([item('hit', { cached: 'AAAAAA==' }), item('miss')]);
    expect(result.items[0]).toMatchObject({ ok: true, vector: 'AAAAAA==', tokens: 0, costUsd: 0 });
    expect(ts.inputsOf('reserveBudget').map((r) => r.reservationId.split(':').at(-1))).toEqual(['miss']);
    expect(ts.inputsOf('embedTexts')[0]?.texts).toEqual(['miss']);
  });
});
