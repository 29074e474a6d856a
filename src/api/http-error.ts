/** An error with an HTTP status and a stable machine-readable code; the error middleware renders it. */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: {
      /** Extra JSON members of the error body (e.g. the offending field). */
      details?: Record<string, unknown>;
      headers?: Record<string, string>;
      /** The OpenAI error `param`, for the OpenAI-compatible routes. */
      param?: string | null;
    } = {},
  ) {
    super(message);
  }
}
