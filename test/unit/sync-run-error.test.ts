import { ServiceError } from '@temporalio/client';
import { syncRunError } from '../../src/api/sync-run-error';

const run = { jobId: 'job-1', tenantId: 'acme', syncTimeoutSeconds: 30 };

function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

test.each([
  ['DEADLINE_EXCEEDED', grpcError(4, 'Deadline exceeded after 1.000s')],
  // What the server answers now and then to a long poll that reaches its caller's deadline.
  ['CANCELLED', grpcError(1, 'Call cancelled')],
])('a wait that ran out of time (%s) is a 504 naming the job, which SDKs must not retry', (_, cause) => {
  const error = syncRunError(new ServiceError('wait over', { cause }), run);
  expect(error.status).toBe(504);
  expect(error.code).toBe('job_timeout');
  expect(error.extra.details).toEqual({ job_id: 'job-1' });
  expect(error.extra.headers?.['x-should-retry']).toBe('false');
});

test.each([
  ['Temporal unreachable mid-wait', new ServiceError('unavailable', { cause: grpcError(14, 'UNAVAILABLE') })],
  ['Temporal throttling the wait', new ServiceError('throttled', { cause: grpcError(8, 'RESOURCE_EXHAUSTED') })],
  ['a failed Temporal call', new ServiceError('internal', { cause: grpcError(13, 'INTERNAL') })],
  ['anything else', new TypeError('unexpected')],
])(
  'a wait broken by %s is a 503 naming the job that goes on, never a 500, and tells SDKs not to retry',
  (_, err) => {
    const warnings: unknown[] = [];
    const error = syncRunError(err, run, { warn: (fields: unknown) => warnings.push(fields) });
    expect(error.status).toBe(503);
    expect(error.code).toBe('job_result_unavailable');
    expect(error.message).toContain('GET /v1/jobs/job-1');
    expect(error.extra.details).toEqual({ job_id: 'job-1' });
    // A retry would start a second job next to the one that goes on, and pay for both.
    expect(error.extra.headers).toEqual({ 'x-should-retry': 'false', 'retry-after': '1' });
    expect(warnings).toHaveLength(1);
  },
);
