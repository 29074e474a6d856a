/** A request the real API would reject; its message is the body of the 400. */
export class InvalidRequest extends Error {}

export function invalid(message: string): never {
  throw new InvalidRequest(message);
}
