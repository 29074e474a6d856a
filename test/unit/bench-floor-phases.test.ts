import { temporal } from '@temporalio/proto';
import { FLOOR_PHASES, floorPhases } from '../../bench/lib/floor-phases';
import { stealMeter } from '../../bench/lib/machine';

const E = temporal.api.enums.v1.EventType;

/** A floor workflow's history with its events at the given ms (since epoch second 1,000). */
function history(at: Array<[temporal.api.enums.v1.EventType, number]>): temporal.api.history.v1.IHistoryEvent[] {
  return at.map(([eventType, ms]) =>
    temporal.api.history.v1.HistoryEvent.fromObject({
      eventType,
      eventTime: { seconds: 1_000 + Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 },
    }),
  );
}

const floorHistory = (shift: number) =>
  history([
    [E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, shift],
    [E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, shift],
    [E.EVENT_TYPE_WORKFLOW_TASK_STARTED, shift + 5],
    [E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, shift + 20],
    [E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, shift + 20],
    [E.EVENT_TYPE_ACTIVITY_TASK_STARTED, shift + 24],
    [E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, shift + 32],
    [E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, shift + 32],
    [E.EVENT_TYPE_WORKFLOW_TASK_STARTED, shift + 37],
    [E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, shift + 52],
    [E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, shift + 52],
  ]);

test('a floor run is split into its phases by the times of its history events, the client keeping the rest', () => {
  const traced = floorPhases([
    { workflowId: 'a', ms: 64, events: floorHistory(0) },
    { workflowId: 'b', ms: 64, events: floorHistory(1_990) },
  ]);
  expect(traced.runs).toBe(2);
  expect(traced.p50Ms).toBe(64);
  expect(FLOOR_PHASES.map((phase) => traced.phases[phase])).toEqual([5, 15, 4, 8, 5, 15, 12]);
});

test('a history that is not a complete floor run is left out of the phases', () => {
  const cut = floorHistory(0).slice(0, 6);
  const traced = floorPhases([
    { workflowId: 'a', ms: 70, events: floorHistory(0) },
    { workflowId: 'b', ms: 900, events: cut },
  ]);
  expect(traced.runs).toBe(1);
  expect(traced.phases['activity task handed to the worker']).toBe(4);
});

test('the steal meter gives a share of CPU time between 0 and 100 %, or null without /proc/stat', () => {
  const stolen = stealMeter();
  const until = Date.now() + 50;
  while (Date.now() < until) {
    // Spend some CPU time so that the counters move.
  }
  const share = stolen();
  if (share !== null) {
    expect(share).toBeGreaterThanOrEqual(0);
    expect(share).toBeLessThanOrEqual(100);
  } else {
    expect(process.platform).not.toBe('linux');
  }
});
