import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { readinessChecks, type ApiServices } from './api-services';
import { adminAuth, jobsAuth, tenantAuth, tenantKeys } from './auth';
import { JobList } from './job-list';
import { BulkReplayService } from './bulk-replay-service';
import { errorHandler, notFound, openAIErrorFormat } from './error-handler';
import { JobService } from './job-service';
import { CancelMarks } from '../stores/cancel-marks';
import { countedRateLimiter } from './rate-limits';
import { chatCompletionsRouter } from './routes/chat-completions';
import { healthRouter } from './routes/health';
import { openApiRouter } from './routes/openapi';
import { jobsRouter } from './routes/jobs';
import { embeddingsRouter } from './routes/embeddings';
import { EmbeddingService } from './embedding-service';
import { BatchService } from './batch-service';
import { batchesRouter, filesRouter } from './routes/batches';
import { spendRouter } from './routes/spend';
import { adminRouter } from './routes/admin';
import { tenantsRouter } from './routes/tenants';
import { codecRouter } from './routes/codec';
import { dashboardRouter } from './routes/dashboard';
import { createApiMetrics } from '../telemetry/api-metrics';
import { createRequestLog } from '../telemetry/request-log';
import { fastPathAnswers } from './fast-path-answers';
import { FastPathHandler, type ExpressEntry } from './fast-path-handler';
import { FastPathRequests } from './fast-path-requests';

export interface AppDeps {
  client: Client;
  config: Config;
  logger: Logger;
  services: Omit<ApiServices, 'close'>;
}

/** Builds the API (no `listen`, so tests can serve it on port 0). */
export function createApp({ client, config, logger, services }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const requestLog = createRequestLog(logger);
  app.use((req, res, next) => requestLog.middleware(req, res, next));
  const metrics = createApiMetrics(services.circuits, config);
  const jobs = new JobService(
    client,
    config,
    metrics,
    logger,
    services.requests,
    new CancelMarks(services.cancellations),
  );
  const tenantOfKey = tenantKeys(config);
  const auth = tenantAuth(config, tenantOfKey);
  const requests = new FastPathRequests();
  const { cache, ledger } = services;
  const limiter = countedRateLimiter(services.limiter, metrics);
  const answers = fastPathAnswers(cache, logger);
  const bodyLimit = config.api.bodyLimit;
  const fastPath = new FastPathHandler({ bodyLimit, tenantOfKey, limiter, requests, answers, metrics, requestLog });
  const json = express.json({ limit: bodyLimit });
  const chatJson = fastPath.bodyStep(express.json({ limit: bodyLimit, verify: requests.capture }));
  // First, so the busiest route (and its cache hits) does not walk the other routers' routes.
  app.use(
    '/v1/chat/completions',
    openAIErrorFormat,
    auth,
    chatJson,
    chatCompletionsRouter({ jobs, limiter, answers, requests, config, metrics, streams: services.streams, logger }),
  );
  app.use(healthRouter(client, readinessChecks(services)));
  app.use(openApiRouter());
  // Operators only: the metrics name every tenant. Prometheus scrapes with the admin key as its bearer token.
  app.get('/metrics', adminAuth(config), async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const embeddings = new EmbeddingService(client, config, services.embeddings, ledger, jobs.admission, logger);
  const jobLists = { list: new JobList(client, config), bulk: new BulkReplayService(client, config) };
  app.use(
    '/v1/jobs',
    jobsAuth(config, tenantOfKey),
    json,
    jobsRouter(jobs, limiter, embeddings, { streams: services.streams, logger, ...jobLists }),
  );
  app.use('/v1/embeddings', openAIErrorFormat, auth, json, embeddingsRouter(embeddings, limiter));
  const batches = new BatchService({
    client,
    config,
    files: services.files,
    batchItems: services.batchItems,
    cache,
    ledger,
    admission: jobs.admission,
    logger,
  });
  app.use('/v1/files', openAIErrorFormat, auth, filesRouter(batches, services.files, config.batchJobs.maxFileMb));
  app.use('/v1/batches', openAIErrorFormat, auth, json, batchesRouter(batches, limiter));
  app.use(spendRouter(config, ledger));
  app.use(adminRouter(config, services.circuits, services.keyState));
  app.use(tenantsRouter(config, ledger));
  app.use('/v1/admin/codec', codecRouter(config));
  app.use(dashboardRouter({ client, config, services, metrics }));

  app.use(notFound);
  app.use(errorHandler(logger));
  if (config.cache.fastPath) inFrontOfExpress(app, (req, res, express) => fastPath.handle(req, res, express));
  return app;
}

/** Express's per-request entry, which `@types/express` leaves out. */
interface ExpressHandle {
  handle(req: IncomingMessage, res: ServerResponse, done?: (err?: unknown) => void): void;
}

/**
 * Puts `handler` in front of Express: it sees each request first and passes on what it does not answer.
 * The app stays an ordinary Express app to `listen`, `http.createServer` and tests alike.
 */
function inFrontOfExpress(
  app: Express,
  handler: (req: IncomingMessage, res: ServerResponse, express: ExpressEntry) => void,
): void {
  const entry = app as unknown as ExpressHandle;
  const express = entry.handle.bind(app);
  entry.handle = (req, res, done) => handler(req, res, (r, s) => express(r, s, done));
}
