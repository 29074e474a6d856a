import type { LogEntry } from '@temporalio/worker';
import pino, { type Logger } from 'pino';
import { jobIdOfWorkflow } from './job-log-context';

/**
 * SDK messages that are routine for how Switchyard runs its workers, logged at debug instead of info or warn so
 * that a normal start prints Switchyard's own "worker started" and nothing to worry about: the provider workers
 * run activities only (the SDK warns that they do not poll for workflows), no worker serves Nexus, every worker
 * reports RUNNING, and the bundler prints webpack's whole build report.
 */
const ROUTINE_MESSAGES = new Set([
  'No workflows registered, not polling for workflow tasks',
  'No Nexus services registered, not polling for Nexus tasks',
]);

function isRoutine(entry: Pick<LogEntry, 'level' | 'message' | 'meta'>): boolean {
  if (entry.level === 'ERROR') return false;
  if (ROUTINE_MESSAGES.has(entry.message)) return true;
  if (entry.message === 'Worker state changed') return entry.meta?.state === 'RUNNING';
  return entry.level === 'INFO' && /^webpack .* compiled successfully/m.test(entry.message);
}

/**
 * Fields of the SDK's log metadata never printed: an activity's task token is a credential for completing
 * the activity from outside the worker, and the SDK attaches it to every activity log line.
 */
const DROPPED_FIELDS = new Set(['taskToken']);

/** SDK field names written under Switchyard's own, so one `runId` (or `jq` filter) finds every line of a run. */
const RENAMED_FIELDS: Record<string, string> = { workflowRunId: 'runId' };

/**
 * Writes one Temporal SDK log entry to pino. Error values (the SDK logs "Workflow failed" and "Activity failed"
 * with an `error` field) are serialized with type, message and stack, which JSON would otherwise print as `{}`.
 * A workflow's or an activity's line carries `workflowId` and `runId` (the SDK's `workflowRunId` for activities),
 * and `jobId` when the workflow is a job's, under the same names as Switchyard's own lines.
 */
export function forwardSdkLog(logger: Logger, entry: Pick<LogEntry, 'level' | 'message' | 'meta'>): void {
  const fields: Record<string, unknown> = { sdk: true };
  for (const [key, value] of Object.entries(entry.meta ?? {})) {
    if (DROPPED_FIELDS.has(key)) continue;
    fields[RENAMED_FIELDS[key] ?? key] = isError(value) ? pino.stdSerializers.errWithCause(value) : value;
  }
  const jobId = typeof fields.workflowId === 'string' ? jobIdOfWorkflow(fields.workflowId) : undefined;
  if (jobId && fields.jobId === undefined) fields.jobId = jobId;
  const message = entry.message;
  if (isRoutine(entry)) {
    logger.debug(fields, message);
    return;
  }
  switch (entry.level) {
    case 'TRACE':
    case 'DEBUG':
      logger.debug(fields, message);
      break;
    case 'INFO':
      logger.info(fields, message);
      break;
    case 'WARN':
      logger.warn(fields, message);
      break;
    default:
      logger.error(fields, message);
  }
}

/** True for an Error from any realm: workflow code runs in its own V8 context, with its own `Error`. */
function isError(value: unknown): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
}
