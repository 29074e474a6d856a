import { patched } from '@temporalio/workflow';

/**
 * Names of the `patched()` markers of workflow changes that alter the commands a workflow issues. A job or
 * flight that started on an older build replays its history down the old branch; new runs take the new one.
 * Once no history older than a patch can still be running (Temporal's retention has passed since the deploy),
 * the old branch can go with a `deprecatePatch()`; see "Changing workflow code" in the README.
 */
export const Patch = {
  /** Reservations are keyed by the workflow run, so a reused job id (an Idempotency-Key) never reuses a row. */
  ReservationPerRun: 'reservation-per-run',
  /** The flight charges the call it makes; its leader job no longer does. */
  FlightChargesItsCall: 'flight-charges-its-call',
  /** A cancelled job tells its flight it left; the flight cancels its call when no job waits any more. */
  FlightLeaveOnCancel: 'flight-leave-on-cancel',
  /** A cancelled call's activity reports how it ended, so an answer that arrived anyway is charged. */
  WaitForCancelledCalls: 'wait-for-cancelled-calls',
  /** A job calls providers without a server-enforced rate as a local activity in its own worker. */
  LocalProviderCalls: 'local-provider-calls',
  /** A job reserves its budget and asks its first target's circuit in one local activity. */
  ReserveAndAdmit: 'reserve-and-admit',
  /** A job's local call commits its reservation as soon as the provider answers; the job skips its own commit. */
  CommitWithCall: 'commit-with-call',
  /** A job whose first target is called locally makes its first call in the step that reserves its budget. */
  ReserveWithCall: 'reserve-with-call',
  /** A failed job records its failure type in the `SwitchyardFailureType` search attribute. */
  FailureTypeAttribute: 'failure-type-attribute',
  /** A completed job records whether it shared another job's provider call in `SwitchyardCoalesced`. */
  CoalescedAttribute: 'coalesced-attribute',
  /** A job that re-joined after a crash reports the call its own earlier flight paid for, served from the cache. */
  OwnPaidFlightAnswer: 'own-paid-flight-answer',
  /**
   * A job started on release 0.6 or later: every patch of {@link JOB_BASELINE} applies, under this one marker. Each
   * `patched()` records a marker and an upsert of `TemporalChangeVersion`, so five patches cost a job ten events.
   */
  JobBaseline: 'job-baseline-0.6',
  /** A job started on release 0.7 or later: every patch of {@link JOB_BASELINE_0_7} applies, under this one marker. */
  JobBaseline07: 'job-baseline-0.7',
} as const;

export type PatchName = (typeof Patch)[keyof typeof Patch];

/** Whether a run has a patch: `patched()`, or a check that answers for several patches at once. */
export type PatchCheck = (patch: PatchName) => boolean;

/** The patches a job started on 0.6 or later has without asking (a later patch must be asked for itself). */
const JOB_BASELINE: readonly PatchName[] = [
  Patch.ReservationPerRun,
  Patch.FlightLeaveOnCancel,
  Patch.WaitForCancelledCalls,
  Patch.LocalProviderCalls,
  Patch.ReserveAndAdmit,
  Patch.CommitWithCall,
  Patch.ReserveWithCall,
];

/** The patches a job started on 0.7 or later has without asking: 0.6's and the two search attributes of 0.7. */
const JOB_BASELINE_0_7: readonly PatchName[] = [...JOB_BASELINE, Patch.FailureTypeAttribute, Patch.CoalescedAttribute];

/**
 * The job's patch check. Asked first, before any other patch, so that a history of an earlier release replays down
 * the same path as before: a 0.6 history finds no 0.7 marker and takes its own baseline; an older one (which has
 * no baseline marker) asks each of its patches for itself, where and in the order it was asked when the history
 * was written. A new job records one marker, whatever number of patches it has.
 */
export function jobPatches(): PatchCheck {
  if (patched(Patch.JobBaseline07)) return (patch) => JOB_BASELINE_0_7.includes(patch) || patched(patch);
  const baseline = patched(Patch.JobBaseline);
  return (patch) => (baseline && JOB_BASELINE.includes(patch)) || patched(patch);
}
