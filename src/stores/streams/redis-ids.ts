import type { StreamEntry } from './contract';
import { InvalidStreamIdError } from './invalid-stream-id-error';

/** A Redis stream entry id, `<ms>-<seq>`, as numbers that compare. */
export interface RedisEntryId {
  ms: bigint;
  seq: bigint;
}

const ENTRY_ID = /^(\d{1,20})-(\d{1,20})$/;
const MAX_PART = 2n ** 64n - 1n;

/** The id of `after`, `0-0` for null (from the start); rejects anything XADD could not have returned. */
export function parseRedisEntryId(after: string | null): RedisEntryId {
  if (after === null) return { ms: 0n, seq: 0n };
  const match = ENTRY_ID.exec(after);
  const ms = match?.[1] === undefined ? undefined : BigInt(match[1]);
  const seq = match?.[2] === undefined ? undefined : BigInt(match[2]);
  // Larger parts are refused by Redis itself ("Invalid stream ID"): a bad request, not a Redis failure.
  if (ms === undefined || seq === undefined || ms > MAX_PART || seq > MAX_PART) {
    throw new InvalidStreamIdError(after, 'a Redis stream id such as 1700000000000-0');
  }
  return { ms, seq };
}

/** The id as XREAD takes it. */
export function formatRedisEntryId(id: RedisEntryId): string {
  return `${id.ms}-${id.seq}`;
}

/** Whether `a` comes after `b`. */
export function isAfter(a: RedisEntryId, b: RedisEntryId): boolean {
  return a.ms > b.ms || (a.ms === b.ms && a.seq > b.seq);
}

/** A read entry with its id parsed, for comparing. */
export interface ParsedEntry extends StreamEntry {
  at: RedisEntryId;
}

/**
 * The entries of an XREAD reply (RESP2: `[[key, [[id, [field, value, …]], …]], …]`, or null when none came),
 * by stream key. An entry's data is its `d` field.
 */
export function parseXreadReply(reply: unknown): Map<string, ParsedEntry[]> {
  const byKey = new Map<string, ParsedEntry[]>();
  if (reply === null) return byKey;
  if (!Array.isArray(reply)) throw unexpected(reply);
  for (const stream of reply as unknown[]) {
    if (!Array.isArray(stream) || typeof stream[0] !== 'string' || !Array.isArray(stream[1])) throw unexpected(reply);
    const entries: ParsedEntry[] = [];
    for (const entry of stream[1] as unknown[]) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) throw unexpected(reply);
      const fields = entry[1] as unknown[];
      const at = fields.indexOf('d');
      const data = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
      if (typeof data !== 'string') throw unexpected(reply);
      entries.push({ id: entry[0], data, at: parseRedisEntryId(entry[0]) });
    }
    byKey.set(stream[0], entries);
  }
  return byKey;
}

function unexpected(reply: unknown): Error {
  return new Error(`unexpected XREAD reply: ${JSON.stringify(reply)?.slice(0, 200)}`);
}
