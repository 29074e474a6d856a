import pino, { type Logger } from 'pino';

/** One JSON logger per process; `component` tells api, worker and mock provider lines apart. */
export function createLogger(component: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { component },
    redact: {
      paths: ['apiKey', '*.apiKey', 'req.headers.authorization', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
  });
}
