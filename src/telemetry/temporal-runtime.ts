import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { forwardSdkLog } from './sdk-log-bridge';

const LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/**
 * Routes the Temporal SDK's own logs (worker, workflow `log`, core) into pino and, given `metricsAddress`
 * (`host:port`), serves the SDK's Prometheus metrics (task latencies, slots, polls…) on `/metrics` there.
 * Must run before any connection or worker is created, and only once per process.
 */
export function installTemporalRuntime(logger: Logger, metricsAddress?: string): void {
  const level = LEVELS[logger.level] ?? 'WARN';
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => forwardSdkLog(logger, entry)),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: level === 'TRACE' ? 'DEBUG' : 'WARN', other: 'ERROR' } },
      ...(metricsAddress
        ? { metrics: { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true, unitSuffix: true } } }
        : {}),
    },
  });
}
