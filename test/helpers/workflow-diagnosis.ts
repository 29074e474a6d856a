import { Connection, Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;

/**
 * What Temporal knows of a workflow that did not finish in time: its status, pending activities and workflow
 * task, and its last history events. For a failing test's message, so that a stuck job can be told from a slow one.
 */
export async function workflowDiagnosis(address: string, workflowId: string, lastEvents = 15): Promise<string> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 5_000 });
    const client = new Client({ connection });
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    const raw = description.raw;
    const pending = (raw.pendingActivities ?? []).map(
      (activity) =>
        `${activity.activityType?.name ?? '?'} attempt ${activity.attempt ?? '?'} state ${activity.state ?? '?'}` +
        (activity.lastFailure?.message ? ` (${activity.lastFailure.message})` : ''),
    );
    const task = raw.pendingWorkflowTask;
    const history = await handle.fetchHistory();
    const events = (history.events ?? []).slice(-lastEvents).map((event) => {
      const at = event.eventTime?.seconds ? new Date(Number(event.eventTime.seconds) * 1000).toISOString() : '?';
      return `  ${String(event.eventId)} ${EventType[event.eventType ?? 0] ?? event.eventType} ${at}`;
    });
    return [
      `status ${description.status.name}, ${String(history.events?.length ?? 0)} events`,
      `pending activities: ${pending.length > 0 ? pending.join('; ') : 'none'}`,
      `pending workflow task: ${task ? `state ${String(task.state)} attempt ${String(task.attempt)}` : 'none'}`,
      'last events:',
      ...events,
    ].join('\n');
  } catch (err) {
    return `no diagnosis: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    await connection?.close();
  }
}
