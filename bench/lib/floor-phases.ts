import { temporal } from '@temporalio/proto';
import { percentile, round } from './stats';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** One floor workflow run one at a time: its id and the latency its client saw. */
export interface TracedRun {
  workflowId: string;
  ms: number;
}

/**
 * The steps of one floor workflow, in order, each from the history's event times: where a sequential run's
 * latency goes. The server stamps each event when it adds it, so a step that ends with a worker's answer
 * includes that worker's work and the answer's trip back.
 */
export const FLOOR_PHASES = [
  'start → first workflow task handed to the worker',
  'first workflow task: worker runs it, server records it',
  'activity task handed to the worker',
  'activity: worker runs it, server records it',
  'second workflow task handed to the worker',
  'second workflow task: worker runs it, server records it',
  'client: start call and the result’s long poll',
] as const;

export type FloorPhase = (typeof FLOOR_PHASES)[number];

/** The p50 of each phase over the traced runs, in ms, and the p50 of the runs themselves. */
export interface FloorPhases {
  runs: number;
  p50Ms: number;
  phases: Record<FloorPhase, number>;
}

const millis = (event: HistoryEvent) =>
  Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;

/** The times of one floor history's events, in the order of {@link FLOOR_PHASES}; null when it is not one. */
function phaseDurations(events: readonly HistoryEvent[], clientMs: number): number[] | null {
  const times = (type: temporal.api.enums.v1.EventType) =>
    events.filter((event) => event.eventType === type).map(millis);
  const [started] = times(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  const [taskStarted1, taskStarted2] = times(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  const [taskDone1, taskDone2] = times(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const [activityScheduled] = times(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  const [activityStarted] = times(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
  const [activityDone] = times(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  const [completed] = times(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  const all = [
    started,
    taskStarted1,
    taskDone1,
    activityScheduled,
    activityStarted,
    activityDone,
    taskStarted2,
    taskDone2,
    completed,
  ];
  if (all.some((time) => time === undefined)) return null;
  const [s, t1, d1, as, ast, ad, t2, d2, c] = all as number[];
  return [t1! - s!, d1! - t1!, ast! - as!, ad! - ast!, t2! - ad!, d2! - t2!, clientMs - (c! - s!)];
}

/** Splits traced floor runs into phases from their histories (see {@link FLOOR_PHASES}). */
export function floorPhases(runs: ReadonlyArray<TracedRun & { events: readonly HistoryEvent[] }>): FloorPhases {
  const durations = runs
    .map((run) => phaseDurations(run.events, run.ms))
    .filter((row): row is number[] => row !== null);
  const p50 = (values: number[]) =>
    round(
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      ),
    );
  const phases = Object.fromEntries(
    FLOOR_PHASES.map((phase, i) => [phase, p50(durations.map((row) => row[i] ?? NaN))]),
  ) as Record<FloorPhase, number>;
  return { runs: durations.length, p50Ms: p50(runs.map((run) => run.ms)), phases };
}
