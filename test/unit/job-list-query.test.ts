import { type z } from 'zod';
import { jobListQuery, listQuerySchema, quoted } from '../../src/api/job-list-query';
import { bulkReplayBodySchema } from '../../src/api/bulk-replay-schemas';
import { replayQuery } from '../../src/api/bulk-replay-service';
import { buildOpenApiDocument } from '../../src/api/openapi';
import { requestSchemaOf } from '../../src/api/openapi-zod';

test('a value is one string literal, whatever quotes and backslashes it holds', () => {
  expect(quoted('gpt-4o')).toBe("'gpt-4o'");
  expect(quoted("x' OR 'a'='a")).toBe("'x\\' OR \\'a\\'=\\'a'");
  expect(quoted('a\\')).toBe("'a\\\\'");
  expect(quoted('say "hi"')).toBe('\'say \\"hi\\"\'');
});

test("a tenant's query always names the tenant; an operator's names it only when given", () => {
  const filter = { status: ['failed' as const, 'cancelled' as const], model: 'm', degraded: false };
  expect(jobListQuery(filter, 'acme')).toBe(
    "WorkflowType IN ('aiJob', 'embeddingBatch', 'bulkReplay') AND SwitchyardTenant = 'acme' AND " +
      "ExecutionStatus IN ('Failed', 'Canceled') AND SwitchyardModel = 'm' AND SwitchyardDegraded = false",
  );
  expect(jobListQuery({}, null)).toBe("WorkflowType IN ('aiJob', 'embeddingBatch', 'bulkReplay')");
  expect(jobListQuery({ created_after: '2026-01-01T01:00:00+01:00' }, null)).toContain(
    "StartTime > '2026-01-01T00:00:00.000Z'",
  );
});

test('a bulk replay takes only closed chat jobs, never bulk replays or jobs still running', () => {
  expect(replayQuery({ failure_type: 'TIMEOUT' }, 'acme')).toBe(
    "WorkflowType IN ('aiJob') AND SwitchyardTenant = 'acme' AND SwitchyardFailureType = 'TIMEOUT' AND " +
      "ExecutionStatus != 'Running'",
  );
});

test('list parameters are checked: limit bounds, statuses, unknown parameters', () => {
  expect(listQuerySchema.parse({ status: 'running,failed' })).toMatchObject({
    status: ['running', 'failed'],
    limit: 50,
  });
  expect(listQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
  expect(listQuerySchema.safeParse({ status: 'done' }).success).toBe(false);
  expect(listQuerySchema.safeParse({ sort: 'asc' }).success).toBe(false);
});

test('the document describes the list and bulk replay with the schemas the routes validate with', () => {
  const document = buildOpenApiDocument();
  expect(document.components.schemas.BulkReplayRequest).toEqual(requestSchemaOf(bulkReplayBodySchema));
  const names = (document.paths['/v1/jobs']?.get?.parameters ?? []).map((p) => (p as { name: string }).name);
  expect(names.sort()).toEqual(Object.keys((listQuerySchema as z.ZodObject).shape).sort());
  expect(document.paths['/v1/jobs']?.post?.operationId).toBe('submitJob');
  expect(document.paths['/v1/jobs/replays']?.post?.operationId).toBe('replayJobs');
});
