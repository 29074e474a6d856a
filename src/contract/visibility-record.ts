import type { TypedSearchAttributes } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { temporal } from '@temporalio/proto';

const Status = temporal.api.enums.v1.WorkflowExecutionStatus;

/** A workflow execution's status as the Temporal client names it (`COMPLETED`, `CANCELLED`…). */
export type ExecutionStatusName =
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'PAUSED'
  | 'UNKNOWN';

const STATUS_NAMES: ReadonlyMap<number, ExecutionStatusName> = new Map([
  [Status.WORKFLOW_EXECUTION_STATUS_RUNNING, 'RUNNING'],
  [Status.WORKFLOW_EXECUTION_STATUS_COMPLETED, 'COMPLETED'],
  [Status.WORKFLOW_EXECUTION_STATUS_FAILED, 'FAILED'],
  [Status.WORKFLOW_EXECUTION_STATUS_CANCELED, 'CANCELLED'],
  [Status.WORKFLOW_EXECUTION_STATUS_TERMINATED, 'TERMINATED'],
  [Status.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, 'CONTINUED_AS_NEW'],
  [Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, 'TIMED_OUT'],
  [Status.WORKFLOW_EXECUTION_STATUS_PAUSED, 'PAUSED'],
]);

/** What a listing needs of one execution of a visibility query: never its memo or history. */
export interface VisibilityRecord {
  workflowId: string;
  runId: string;
  type: string;
  status: ExecutionStatusName;
  startTime: Date;
  closeTime: Date | undefined;
  searchAttributes: TypedSearchAttributes;
}

const toDate = (ts: temporal.api.workflow.v1.IWorkflowExecutionInfo['startTime']): Date | undefined =>
  ts ? new Date(Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)) : undefined;

/**
 * Reads one execution of `listWorkflowExecutions` without decoding its memo: the memo goes through the payload
 * codec, and a run written under another codec or key (an older encryption key, another deployment sharing the
 * namespace) would fail the whole page. Search attributes are never encoded by a codec.
 */
export function visibilityRecord(raw: temporal.api.workflow.v1.IWorkflowExecutionInfo): VisibilityRecord {
  return {
    workflowId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    type: raw.type?.name ?? '',
    status: STATUS_NAMES.get(raw.status ?? 0) ?? 'UNKNOWN',
    startTime: toDate(raw.startTime) ?? new Date(0),
    closeTime: toDate(raw.closeTime),
    searchAttributes: decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields),
  };
}
