import pino, { type DestinationStream, type Logger } from 'pino';
import { build as prettyStream, isColorSupported } from 'pino-pretty';
import { chooseLogFormat, type LogFormat } from './log-format';
import { formatPrettyLine } from './pretty-line';
import { jobLogContext } from './job-log-context';

/** Where and how a logger writes; by default stdout, in the format `LOG_FORMAT` or the terminal calls for. */
export interface LoggerOptions {
  /**
   * `pretty` or `json`.
   * @default from `LOG_FORMAT`, else pretty when stdout is a terminal and JSON otherwise
   */
  format?: LogFormat;
  /**
   * Where lines go (tests pass a memory stream).
   * @default stdout
   */
  destination?: DestinationStream;
}

/**
 * One logger per process; `component` tells api, worker and mock provider lines apart. Errors are serialized
 * with their type, message and stack; API keys and auth headers are redacted in both formats. A line written
 * while an activity or a request works on a job carries its `jobId`, `workflowId` and `runId` (see
 * `jobLogContext`).
 */
export function createLogger(
  component: string,
  level = process.env.LOG_LEVEL ?? 'info',
  options: LoggerOptions = {},
): Logger {
  const format = options.format ?? chooseLogFormat(process.env.LOG_FORMAT, process.stdout.isTTY === true);
  const pinoOptions = {
    level,
    base: { component },
    mixin: jobLogContext,
    serializers: { err: pino.stdSerializers.errWithCause },
    redact: {
      paths: ['apiKey', '*.apiKey', 'req.headers.authorization', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
  };
  if (format === 'json') return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
  return pino(pinoOptions, prettyDestination(options.destination));
}

/**
 * pino-pretty as an in-process stream (not a transport thread), so lines are written in order with the rest of
 * the process's output and none is lost when the process exits. The whole line comes from `formatPrettyLine`.
 */
function prettyDestination(destination: DestinationStream | undefined): DestinationStream {
  return prettyStream({
    destination: destination ?? 1,
    sync: destination === undefined,
    colorize: destination === undefined && isColorSupported,
    // Every field is left to the message formatter, which lays out the whole line itself.
    ignore: 'time,level,pid,hostname,component,name',
    hideObject: true,
    messageFormat: (log, _messageKey, _levelLabel, { colors }) => formatPrettyLine(log, colors),
  });
}
