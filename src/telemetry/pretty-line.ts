/** Fields every line carries or that the message already says; the pretty line leaves them out. */
const HIDDEN = new Set([
  'level',
  'time',
  'msg',
  'pid',
  'hostname',
  'component',
  'req',
  'res',
  'reqId',
  'part',
  'responseTime',
  'sdk',
  'sdkComponent',
  'namespace',
  'taskQueue',
  'isLocal',
  'workflowRunId',
  'activityId',
  'workflowType',
  'taskToken',
]);

/** Fields the line shows in a fixed place (see `describeCall`), or under a shorter name at the end. */
const POSITIONAL = new Set(['status', 'provider', 'latencyMs', 'inputTokens', 'outputTokens', 'costUsd']);
const TRAILING: ReadonlyArray<readonly [field: string, label: string]> = [
  ['jobId', 'job'],
  ['workflowId', 'workflow'],
  ['runId', 'run'],
  ['tenantId', 'tenant'],
  ['tenant', 'tenant'],
  ['model', 'model'],
];

/** Characters of a run id the pretty line shows: enough to tell runs apart and to grep the JSON lines for it. */
const SHORT_RUN_ID = 8;

const LEVEL_LABELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** The few colours a line uses (pino-pretty passes colorette's, which are no-ops when colour is off). */
export interface Colors {
  gray(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  bgRed(text: string): string;
  cyan(text: string): string;
  magenta(text: string): string;
}
const identity = (text: string) => text;
const NO_COLORS: Colors = {
  gray: identity,
  green: identity,
  yellow: identity,
  red: identity,
  bgRed: identity,
  cyan: identity,
  magenta: identity,
};

/**
 * One log record as one short line: `12:03:04 INFO  api    POST /v1/jobs 202 4ms job=job_… tenant=acme`.
 * Provider calls read `provider call ok openai:gpt-4o-mini 412ms in=12 out=40 $0.0000258 job=job_…`;
 * an error adds its type and message, and at error level its stack on the lines below.
 */
export function formatPrettyLine(log: Record<string, unknown>, colors: Colors = NO_COLORS): string {
  const level = typeof log.level === 'number' ? log.level : 30;
  const parts = [
    colors.gray(clock(log.time)),
    colorLevel(level, colors),
    colors.cyan((typeof log.component === 'string' ? log.component : '').padEnd(6)),
    typeof log.msg === 'string' ? log.msg : '',
    ...describeCall(log),
  ];
  const shown = new Set<string>();
  for (const [field, label] of TRAILING) {
    if (!isScalar(log[field]) || shown.has(label)) continue;
    if (field === 'model' && typeof log.provider === 'string') continue;
    // A job's workflow id is its job id, shown once as the job; a flight's or a batch's is shown as itself.
    if (field === 'workflowId' && log.workflowId === log.jobId) continue;
    const value = String(log[field]);
    parts.push(`${label}=${field === 'runId' ? value.slice(0, SHORT_RUN_ID) : value}`);
    shown.add(label);
  }
  const error = errorOf(log);
  for (const [key, value] of Object.entries(log)) {
    if (HIDDEN.has(key) || POSITIONAL.has(key) || TRAILING.some(([field]) => field === key)) continue;
    if (value === undefined || (error && value === error.source)) continue;
    // A first attempt is the normal case; only a retry is worth the reader's attention.
    if (key === 'attempt' && value === 1) continue;
    if (key === 'keyAlias' && value === 'default') continue;
    parts.push(`${key}=${isScalar(value) ? String(value) : JSON.stringify(value)}`);
  }
  // Headers are only in the record at debug level (see request-log.ts); show them when they are.
  for (const side of ['req', 'res'] as const) {
    const headers = headersOf(log[side]);
    if (headers) parts.push(`${side}.headers=${JSON.stringify(headers)}`);
  }
  let line = parts.filter((part) => part !== '').join(' ');
  if (error) {
    line += ` ${colors.red(`${error.type}: ${error.message}`)}`;
    if (level >= 50 && error.stack) line += `\n${indentStack(error.stack)}`;
  }
  return line;
}

/** The positional part of a provider call (or any line with the same fields): status, target, latency, usage, cost. */
function describeCall(log: Record<string, unknown>): string[] {
  const parts: string[] = [];
  if (isScalar(log.status)) parts.push(String(log.status));
  if (typeof log.provider === 'string') {
    parts.push(typeof log.model === 'string' ? `${log.provider}:${log.model}` : log.provider);
  }
  if (typeof log.latencyMs === 'number') parts.push(`${log.latencyMs}ms`);
  if (typeof log.inputTokens === 'number') parts.push(`in=${log.inputTokens}`);
  if (typeof log.outputTokens === 'number') parts.push(`out=${log.outputTokens}`);
  if (typeof log.costUsd === 'number') parts.push(`$${log.costUsd}`);
  return parts;
}

interface ErrorFields {
  source: unknown;
  type: string;
  message: string;
  stack?: string;
}

/** The record's serialized error (`err`, or `error` from the SDK's own logs), if any. */
function errorOf(log: Record<string, unknown>): ErrorFields | undefined {
  for (const key of ['err', 'error']) {
    const value = log[key];
    if (typeof value === 'string') return { source: value, type: 'Error', message: value };
    if (value && typeof value === 'object') {
      const fields = value as Record<string, unknown>;
      return {
        source: value,
        type: typeof fields.type === 'string' ? fields.type : 'Error',
        message: withCauses(fields),
        ...(typeof fields.stack === 'string' ? { stack: fields.stack } : {}),
      };
    }
  }
  return undefined;
}

/** An error's message followed by its causes' (a Temporal ServiceError says what failed; its cause says why). */
function withCauses(error: Record<string, unknown>): string {
  const messages: string[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && messages.length < 5) {
    const { message, cause } = current as { message?: unknown; cause?: unknown };
    if (typeof message === 'string' && message !== '') messages.push(message);
    current = cause;
  }
  return messages.length > 0 ? messages.join(': ') : JSON.stringify(error);
}

function headersOf(value: unknown): unknown {
  if (!value || typeof value !== 'object' || !('headers' in value)) return undefined;
  return value.headers;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function clock(time: unknown): string {
  const date = new Date(typeof time === 'number' || typeof time === 'string' ? time : Date.now());
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function colorLevel(level: number, colors: Colors): string {
  const label = (LEVEL_LABELS[level] ?? 'INFO').padEnd(5);
  if (level >= 60) return colors.bgRed(label);
  if (level >= 50) return colors.red(label);
  if (level >= 40) return colors.yellow(label);
  if (level >= 30) return colors.green(label);
  return colors.magenta(label);
}

function indentStack(stack: string): string {
  // The first line of a stack repeats the type and message already on the line.
  return stack
    .split('\n')
    .slice(1)
    .map((frame) => `    ${frame.trim()}`)
    .join('\n');
}
