import { call, chatBody, waitForJob } from '../lib/client';
import { type Scenario, type ScenarioResult } from '../lib/scenario';

const JOBS = 100;
const PROVIDER_LATENCY_MS = 1_000;

/**
 * (f) Coalescing: identical cacheable jobs submitted at once while the provider takes 1 s, so they overlap;
 * how many provider calls they cost.
 */
export const coalescingScenario: Scenario = {
  id: 'coalescing',
  async run(stack): Promise<ScenarioResult> {
    const body = chatBody(`one question asked by many ${Date.now()}`, 'gpt-4o-mini', { temperature: 0 });
    stack.mock.setBehavior({ latencyMs: PROVIDER_LATENCY_MS });
    const callsBefore = stack.mock.stats().byEndpoint['openai.chat'] ?? 0;
    const started = performance.now();
    let ended;
    try {
      ended = await Promise.all(
        Array.from({ length: JOBS }, async () => {
          const submitted = await call(stack.apiUrl, stack.apiKey, 'POST', '/v1/jobs', body);
          if (submitted.status !== 202 || typeof submitted.body.id !== 'string')
            return { status: `http ${submitted.status}`, coalesced: false };
          const job = await waitForJob(stack.apiUrl, stack.apiKey, submitted.body.id);
          const result = job.body.result as { coalesced?: boolean; cacheHit?: boolean } | undefined;
          return { status: job.status, coalesced: result?.coalesced === true, cacheHit: result?.cacheHit === true };
        }),
      );
    } finally {
      stack.mock.setBehavior({ latencyMs: 0 });
    }
    const seconds = (performance.now() - started) / 1000;
    const providerCalls = (stack.mock.stats().byEndpoint['openai.chat'] ?? 0) - callsBefore;
    const completed = ended.filter((job) => job.status === 'completed').length;
    const coalesced = ended.filter((job) => job.coalesced).length;
    const cacheHits = ended.filter((job) => 'cacheHit' in job && job.cacheHit).length;
    return {
      id: 'coalescing',
      title: 'coalescing: identical jobs at once, provider at 1 s',
      load: `${JOBS} identical temperature-0 jobs submitted together, mock latency ${PROVIDER_LATENCY_MS} ms`,
      table: {
        columns: ['jobs', 'completed', 'provider calls', 'coalesced answers', 'cache hits', 'jobs : calls', 'seconds'],
        rows: [
          [
            JOBS,
            completed,
            providerCalls,
            coalesced,
            cacheHits,
            `${JOBS}:${providerCalls}`,
            Math.round(seconds * 10) / 10,
          ],
        ],
      },
      summary: [
        {
          label: 'coalescing: jobs per provider call',
          value: JOBS / Math.max(1, providerCalls),
          unit: 'jobs/call',
          vsFloor: 'none',
          note: `${JOBS}:${providerCalls}`,
        },
      ],
      data: { jobs: JOBS, completed, providerCalls, coalesced, cacheHits, seconds },
    };
  },
};
