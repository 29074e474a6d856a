import { AsyncLocalStorage } from 'node:async_hooks';
import { asyncLocalStorage as activityContext } from '@temporalio/activity';

/**
 * The fields that let one job be followed across processes: the job id, the Temporal workflow that runs it (the
 * job id is its workflow id; a coalescing flight or an embeddings batch has its own) and that workflow's run.
 */
export interface JobLogFields {
  jobId?: string;
  workflowId?: string;
  runId?: string;
}

/** Workflow ids that are job ids: jobs (`job_…`, batch jobs `job_batch_…`) and bulk replays (`bulk_…`). */
const JOB_WORKFLOW_ID = /^(?:job|bulk)_/;

/** The job a workflow id names, or undefined for workflows that serve jobs (flights, embeddings batches). */
export function jobIdOfWorkflow(workflowId: string): string | undefined {
  return JOB_WORKFLOW_ID.test(workflowId) ? workflowId : undefined;
}

/**
 * The `res.locals` of the request being handled. The run id is learnt deep inside the job service (from the start
 * call or a describe), several calls away from the response; noting it here keeps it out of every return type.
 */
const requestLocals = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `next` (the rest of the request's handling) with `locals` as the place `noteJobRun` writes to. */
export function withRequestLocals(locals: Record<string, unknown>, next: () => void): void {
  requestLocals.run(locals, next);
}

/**
 * Records in the current request's `res.locals` the workflow and run it started or read, for its log lines.
 * Outside a request (a CLI, a test) it does nothing.
 */
export function noteJobRun(workflowId: string, runId: string | undefined): void {
  const locals = requestLocals.getStore();
  if (!locals) return;
  locals.workflowId = workflowId;
  if (runId) locals.runId = runId;
  else delete locals.runId;
}

/** The workflow and run noted in `locals` by `noteJobRun`, when one was. */
export function notedJobRun(locals: Record<string, unknown>): { workflowId: string; runId?: string } | undefined {
  const { workflowId, runId } = locals;
  if (typeof workflowId !== 'string') return undefined;
  return typeof runId === 'string' ? { workflowId, runId } : { workflowId };
}

/**
 * pino's `mixin`: the job fields of the work a line is written from. In an activity, its workflow and run (from
 * the SDK's activity context) and the job when the workflow is one; in an API request, the job it started or read.
 * The line's own fields win; a line naming another job than the context's gets none, so ids are never mixed up.
 */
export function jobLogContext(line: object): JobLogFields {
  const activity = activityContext.getStore();
  if (activity) {
    const execution = activity.info.workflowExecution;
    return execution ? contextFields(line, execution.workflowId, execution.runId) : {};
  }
  const locals = requestLocals.getStore();
  const noted = locals && notedJobRun(locals);
  return noted ? contextFields(line, noted.workflowId, noted.runId) : {};
}

function contextFields(line: object, workflowId: string, runId: string | undefined): JobLogFields {
  const jobId = jobIdOfWorkflow(workflowId);
  const own: unknown = (line as { jobId?: unknown }).jobId;
  // A line about another job than the one whose workflow runs it (a flight's call names its leader job) keeps its
  // own job id; the workflow and run still say where it ran, unless that workflow is another job's.
  if (typeof own === 'string' && jobId !== undefined && own !== jobId) return {};
  return { ...(jobId ? { jobId } : {}), workflowId, ...(runId ? { runId } : {}) };
}
