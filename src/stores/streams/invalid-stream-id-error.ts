/**
 * An `after` id that the stream store could not have given (e.g. a client's `Last-Event-ID` that was altered
 * or comes from another store): a bad request, not an outage.
 */
export class InvalidStreamIdError extends Error {
  override readonly name = 'InvalidStreamIdError';

  constructor(
    /** The id as received. */
    readonly id: string,
    /** What a valid id looks like on this store, for the error message. */
    expected: string,
  ) {
    super(`"${id.length > 64 ? `${id.slice(0, 64)}…` : id}" is not a stream entry id: expected ${expected}`);
  }
}
