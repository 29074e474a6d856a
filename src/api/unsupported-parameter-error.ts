import { HttpError } from './http-error';

/**
 * No target of the request's chain can honour one of its parameters: a 400 naming the parameter and each
 * target that cannot honour it, rather than a call with the parameter silently dropped.
 */
export class UnsupportedParameterError extends HttpError {
  constructor(
    /** The request field, as a path (e.g. `logprobs`, `messages[1].content[0].image_url`). */
    readonly parameter: string,
    /** The targets that cannot honour it, as `provider:model`. */
    readonly targets: readonly string[],
  ) {
    super(
      400,
      'unsupported_parameter',
      `"${parameter}" is not supported by ${targets.length === 1 ? 'the target' : 'any target'} of this request ` +
        `(${targets.join(', ')}). Remove it, or use a model or route with a target that supports it.`,
      { param: parameter, details: { parameter, targets: [...targets] } },
    );
  }
}
