import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config';
import { readinessChecks, type ApiServices } from './api-services';
import { adminAuth, tenantAuth } from './auth';
import { errorHandler, notFound, openAIErrorFormat } from './error-handler';
import { JobService } from './job-service';
import { countedRateLimiter } from './rate-limits';
import { chatCompletionsRouter } from './routes/chat-completions';
import { healthRouter } from './routes/health';
import { openApiRouter } from './routes/openapi';
import { jobsRouter } from './routes/jobs';
import { spendRouter } from './routes/spend';
import { adminRouter } from './routes/admin';
import { codecRouter } from './routes/codec';
import { createApiMetrics } from '../telemetry/api-metrics';
import { requestLogOptions } from '../telemetry/request-log';

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
  app.use(pinoHttp(requestLogOptions(logger)));
  app.use(healthRouter(client, readinessChecks(services)));
  app.use(openApiRouter());
  const metrics = createApiMetrics(services.circuits, config);
  // Operators only: the metrics name every tenant. Prometheus scrapes with the admin key as its bearer token.
  app.get('/metrics', adminAuth(config), async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const jobs = new JobService(client, config, metrics, logger, services.requests);
  const auth = tenantAuth(config);
  const json = express.json({ limit: config.api.bodyLimit });
  const { cache, ledger } = services;
  const limiter = countedRateLimiter(services.limiter, metrics);
  app.use(
    '/v1/chat/completions',
    openAIErrorFormat,
    auth,
    json,
    chatCompletionsRouter({ jobs, limiter, cache, config, logger, metrics }),
  );
  app.use('/v1/jobs', auth, json, jobsRouter(jobs, limiter));
  app.use(spendRouter(config, ledger));
  app.use(adminRouter(config, services.circuits, services.keyState));
  app.use('/v1/admin/codec', codecRouter(config));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
