import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

/** The activity types of the local activities a workflow ran, in order, from the markers in its history. */
export async function localActivitiesOf(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0];
    if (event.markerRecordedEventAttributes?.markerName !== 'core_local_activity' || !data) return [];
    return [defaultPayloadConverter.fromPayload<{ activity_type: string }>(data).activity_type];
  });
}
