import { Router, type Request, type Response } from 'express';
import { isOperator, jobScopeOf, listScopeOf, submitterOf } from '../auth';
import { clientGoneSignal } from '../admission-signal';
import { HttpError } from '../http-error';
import type { JobService } from '../job-service';
import type { TenantRateLimiter } from '../rate-limits';
import { jobBodySchema, jobIdSchema, toChatRequest, waitQuerySchema } from '../schemas';
import { validate } from '../validate';
import { streamJobEvents } from '../job-events';
import type { StreamStore } from '../../stores/streams/contract';
import type { Logger } from 'pino';
import { embeddingsJobBodySchema, embeddingTokens, toEmbeddingsRequest } from '../embedding-schemas';
import type { EmbeddingService } from '../embedding-service';
import { idempotentJobId, newJobId } from '../job-ids';
import type { JobList } from '../job-list';
import { filterOf, listQuerySchema, parseParameters } from '../job-list-query';
import { isBulkReplayId, type BulkReplayService } from '../bulk-replay-service';
import { bulkReplayBodySchema } from '../bulk-replay-schemas';

/** A bulk replay's id: "bulk_" and letters, digits, "_" or "-". */
const BULK_ID = /^bulk_[A-Za-z0-9_-]{1,123}$/;

/** What an Idempotency-Key may be: 1–255 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The job id of a `/v1/jobs/:id…` route. A malformed id is a 400 naming the path parameter; a well-formed id
 * goes on to the lookup, which answers 404 `job_not_found` when no such job exists.
 */
function jobIdParam(req: Request, { bulk = false }: { bulk?: boolean } = {}): string {
  if (bulk && typeof req.params.id === 'string' && BULK_ID.test(req.params.id)) return req.params.id;
  const parsed = jobIdSchema.safeParse(req.params.id);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues.map((issue) => issue.message).join('; ');
  throw new HttpError(400, 'invalid_job_id', `path parameter id: ${message}`, {
    param: 'id',
    details: { errors: parsed.error.issues.map((issue) => ({ field: 'id', message: issue.message })) },
  });
}

/** A job body with `input` and no `messages` asks for embeddings, as `POST /v1/embeddings` does. */
function isEmbeddingsBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'input' in body && !('messages' in body);
}

/** The Idempotency-Key header, checked; undefined when absent. */
function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters.');
  }
  return key;
}

/**
 * `/v1/jobs`: asynchronous jobs — submit, list, read (with long-poll), cancel, replay one or many. A body with
 * `input` instead of `messages` is an embeddings job. Tenants reach their own jobs; an operator reaches every
 * tenant's (see `jobsAuth`).
 */
export function jobsRouter(
  jobs: JobService,
  limiter: TenantRateLimiter,
  embeddings: EmbeddingService,
  { streams, logger, list, bulk }: { streams: StreamStore; logger?: Logger; list: JobList; bulk: BulkReplayService },
): Router {
  const router = Router();

  const submitEmbeddings = async (req: Request, res: Response) => {
    const body = validate(embeddingsJobBodySchema, req.body);
    const idempotencyKey = idempotencyKeyOf(req);
    const tenantId = submitterOf(res);
    const request = toEmbeddingsRequest(body);
    const jobId = idempotencyKey ? idempotentJobId(tenantId, idempotencyKey) : newJobId();
    const submitted = await embeddings.submit(tenantId, request, {
      jobId,
      ...(body.metadata ? { metadata: body.metadata } : {}),
      beforeStart: () => limiter.consume(tenantId, embeddingTokens(request.input)),
      signal: clientGoneSignal(res),
    });
    if (submitted.existing) res.setHeader('idempotent-replayed', 'true');
    res
      .status(202)
      .location(`/v1/jobs/${jobId}`)
      .json({ id: jobId, object: 'job', status: 'running', model: body.model, links: { self: `/v1/jobs/${jobId}` } });
  };

  router.post('/', async (req, res) => {
    if (isEmbeddingsBody(req.body)) {
      await submitEmbeddings(req, res);
      return;
    }
    const body = validate(jobBodySchema, req.body);
    const idempotencyKey = idempotencyKeyOf(req);
    const tenantId = submitterOf(res);
    const request = toChatRequest(body);
    const { metadata } = body;
    const submitNew = async () => {
      const plan = jobs.plan(tenantId, request, body.cache);
      // Counted once the job has a start slot, so that a request refused as overloaded spends no limit.
      const beforeStart = () => limiter.consume(tenantId, plan.tokenEstimate);
      const signal = clientGoneSignal(res);
      const stream = body.stream === true;
      return jobs.submit({ tenantId, request, plan, metadata, idempotencyKey, beforeStart, signal, stream });
    };
    // A retry of an accepted request gets its job back before the rate limit is counted: the limit is for new jobs.
    const submitted =
      (idempotencyKey && (await jobs.findIdempotent({ tenantId, idempotencyKey, request, metadata }))) ||
      (await submitNew());
    const { jobId } = submitted;
    // Like Stripe's idempotent requests, a resubmit gets the first answer's status code (202) and job; the
    // body reports the job as it is now (completed, failed…), so a client polling by resubmitting sees its end.
    if (submitted.existing) res.setHeader('idempotent-replayed', 'true');
    res
      .status(202)
      .location(`/v1/jobs/${jobId}`)
      .json({
        id: jobId,
        object: 'job',
        status: submitted.status,
        model: body.model,
        links: { self: `/v1/jobs/${jobId}` },
      });
  });

  router.get('/', async (req, res) => {
    const query = parseParameters(listQuerySchema, req.query, 'invalid_parameter');
    const page = { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) };
    res.json(await list.list(filterOf(query), listScopeOf(res), page));
  });

  router.post('/replays', async (req, res) => {
    const body = parseParameters(bulkReplayBodySchema, req.body ?? {}, 'invalid_request');
    const accepted = await bulk.start(body, listScopeOf(res));
    if ('id' in accepted) res.status(202).location(accepted.links.self).json(accepted);
    else res.json(accepted);
  });

  router.get('/:id/events', async (req, res) => {
    const jobId = jobIdParam(req);
    const lastEventId = req.get('last-event-id') ?? undefined;
    // The event stream reads the job as its tenant: an operator's is the job's own.
    const tenantId = isOperator(res) ? await jobs.ownerOf(jobId) : (jobScopeOf(res) as string);
    await streamJobEvents({ jobs, streams, ...(logger ? { logger } : {}) }, res, { jobId, tenantId, lastEventId });
  });

  router.get('/:id', async (req, res) => {
    const jobId = jobIdParam(req, { bulk: true });
    if (isBulkReplayId(jobId)) {
      res.json(await bulk.view(jobId, jobScopeOf(res)));
      return;
    }
    const { wait } = validate(waitQuerySchema, req.query);
    res.json(await jobs.view(jobId, jobScopeOf(res), wait ?? 0));
  });

  const cancel = async (req: Request, res: Response) => {
    const jobId = jobIdParam(req, { bulk: true });
    const scope = jobScopeOf(res);
    res.status(202).json(isBulkReplayId(jobId) ? await bulk.cancel(jobId, scope) : await jobs.cancel(jobId, scope));
  };
  router.post('/:id/cancel', cancel);
  router.delete('/:id', cancel);

  router.post('/:id/replay', async (req, res) => {
    const jobId = jobIdParam(req);
    const replay = await jobs.replay(jobId, jobScopeOf(res), (_request, plan, tenantId) =>
      limiter.consume(tenantId, plan.tokenEstimate),
    );
    res
      .status(202)
      .location(`/v1/jobs/${replay.jobId}`)
      .json({
        id: replay.jobId,
        object: 'job',
        status: 'running',
        replay_of: jobId,
        links: { self: `/v1/jobs/${replay.jobId}` },
      });
  });

  return router;
}
