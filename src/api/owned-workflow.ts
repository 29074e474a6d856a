import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import * as attributes from '../contract/search-attributes';
import type { HttpError } from './http-error';
import { isDeadlineExceeded, temporalUnavailable } from './temporal-errors';
import { noteJobRun } from '../telemetry/job-log-context';

/** Runs one call to Temporal within `deadlineMs`; a 503 `temporal_unavailable` when Temporal does not answer. */
export async function underDeadline<T>(client: Client, deadlineMs: number, call: () => Promise<T>): Promise<T> {
  try {
    return await client.connection.withDeadline(Date.now() + deadlineMs, call);
  } catch (err) {
    if (isDeadlineExceeded(err)) throw temporalUnavailable();
    throw err;
  }
}

/**
 * The description of a workflow the tenant owns (by its `SwitchyardTenant` attribute), of `type` when given. A
 * workflow of another tenant, or of another type, is reported exactly like one that does not exist: `notFound`.
 * `tenantId` null is an operator's scope, which owns every tenant's workflows.
 */
export async function describeOwned(
  describe: <T>(call: () => Promise<T>) => Promise<T>,
  handle: WorkflowHandle,
  tenantId: string | null,
  notFound: (workflowId: string) => HttpError,
  type?: string,
): Promise<WorkflowExecutionDescription> {
  let description: WorkflowExecutionDescription;
  try {
    description = await describe(() => handle.describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(handle.workflowId);
    throw err;
  }
  if (
    (type !== undefined && description.type !== type) ||
    (tenantId !== null && description.typedSearchAttributes.get(attributes.TENANT) !== tenantId)
  ) {
    throw notFound(handle.workflowId);
  }
  // For the request's log line: the run this request read (see `noteJobRun`).
  noteJobRun(handle.workflowId, description.runId);
  return description;
}
