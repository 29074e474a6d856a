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
} as const;
