import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config';
import { apiKeyAuth } from './auth';
import { errorHandler, notFound, openAIErrorFormat } from './error-handler';
import { JobService } from './job-service';
import { chatCompletionsRouter } from './routes/chat-completions';
import { healthRouter } from './routes/health';
import { jobsRouter } from './routes/jobs';

export interface AppDeps {
  client: Client;
  config: Config;
  logger: Logger;
}

/** Builds the API (no `listen`, so tests can serve it on port 0). */
export function createApp({ client, config, logger }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(pinoHttp({ logger, autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' } }));
  app.use(healthRouter(client));

  const jobs = new JobService(client, config);
  const auth = apiKeyAuth({ apiKey: config.api.apiKey });
  const json = express.json({ limit: config.api.bodyLimit });
  app.use('/v1/chat/completions', openAIErrorFormat, auth, json, chatCompletionsRouter(jobs));
  app.use('/v1/jobs', auth, json, jobsRouter(jobs));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
