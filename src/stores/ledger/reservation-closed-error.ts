/**
 * A reserve on an id whose reservation is already committed or released. Such an id is closed for good:
 * answering `ok` would let a new job run on a reservation that no longer holds any money, and its cost
 * would never reach the ledger (e.g. an Idempotency-Key reused after its job left Temporal's retention).
 */
export class ReservationClosedError extends Error {
  override readonly name = 'ReservationClosedError';

  constructor(
    readonly reservationId: string,
    readonly state: 'committed' | 'released',
  ) {
    super(`Budget reservation "${reservationId}" is already ${state}; a reservation is never reused.`);
  }
}
