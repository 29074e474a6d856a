/** Longest header value Switchyard sends: far below any server's or proxy's header limits. */
const MAX_HEADER_VALUE_LENGTH = 512;

/**
 * A value that `res.setHeader` accepts whatever `value` holds. Node throws on CR, LF and other characters
 * that are invalid in a header, and a throw after a paid job completed would turn its answer into a 500;
 * values are validated before they get here, so this only keeps a slip from costing the caller its answer.
 * Anything outside visible ASCII and space becomes "?".
 */
export function safeHeaderValue(value: string): string {
  return value.slice(0, MAX_HEADER_VALUE_LENGTH).replace(/[^\x20-\x7e]/g, '?');
}
