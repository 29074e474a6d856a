import type { SharedRedisClient } from '../shared/redis-connection';
import { RedisScript } from '../shared/redis-script';
import { StoreUnavailableError } from '../shared/store-unavailable';
import { checkRead, positiveMs } from './checks';
import {
  DEFAULT_STREAM_TTL_SECONDS,
  STREAMS_STORE,
  type StreamEntry,
  type StreamReadOptions,
  type StreamSettings,
  type StreamStore,
} from './contract';
import { RedisBlockingReads } from './redis-blocking-reads';
import { formatRedisEntryId, parseRedisEntryId, parseXreadReply } from './redis-ids';

/** Blocking-read connections kept unless configured otherwise. */
export const DEFAULT_REDIS_BLOCKING_CONNECTIONS = 16;

// The entries and the refreshed expiry in one step: a stream never has entries without an expiry.
const APPEND = new RedisScript(`
local ids = {}
for i = 2, #ARGV do
  ids[i - 1] = redis.call('XADD', KEYS[1], '*', 'd', ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return ids
`);

/**
 * Streams as Redis Streams, one key per stream: XADD gives the ids, which grow within a stream whatever process
 * appends, and XREAD returns the entries after an id. Reads that wait use connections of their own (see
 * {@link RedisBlockingReads}); every other command goes over the shared connection.
 */
export class RedisStreamStore implements StreamStore {
  private readonly ttlMs: number;
  private readonly blocking: RedisBlockingReads;
  private closed = false;

  constructor(
    private readonly redis: SharedRedisClient,
    settings: StreamSettings = {},
    private readonly prefix = 'switchyard:stream:',
  ) {
    this.ttlMs = positiveMs('ttlSeconds', settings.ttlSeconds ?? DEFAULT_STREAM_TTL_SECONDS, 1000);
    const connections = settings.redisBlockingConnections ?? DEFAULT_REDIS_BLOCKING_CONNECTIONS;
    if (!Number.isSafeInteger(connections) || connections < 1) {
      throw new RangeError(`redisBlockingConnections must be a positive integer, got ${connections}`);
    }
    this.blocking = new RedisBlockingReads(redis, connections);
  }

  async append(streamId: string, data: readonly string[]): Promise<string[]> {
    this.checkOpen();
    if (data.length === 0) return [];
    const reply = await APPEND.run(this.redis.client, [this.key(streamId)], [String(this.ttlMs), ...data]);
    if (!isStringArray(reply) || reply.length !== data.length) {
      throw new Error(`unexpected reply to the stream append: ${JSON.stringify(reply)?.slice(0, 200)}`);
    }
    return reply;
  }

  async read(streamId: string, after: string | null, options: StreamReadOptions): Promise<StreamEntry[]> {
    this.checkOpen();
    const from = parseRedisEntryId(after);
    const { waitMs, limit } = checkRead(options);
    const key = this.key(streamId);
    // A read that would have to share a blocking connection first looks for entries without blocking: most reads
    // of a live stream find some, and then no blocked XREAD needs interrupting.
    if (waitMs === 0 || !this.blocking.hasIdleConnection()) {
      const reply = await this.redis.client.sendCommand<unknown>([
        'XREAD',
        'COUNT',
        String(limit),
        'STREAMS',
        key,
        formatRedisEntryId(from),
      ]);
      const entries = (parseXreadReply(reply).get(key) ?? []).map(({ id, data }) => ({ id, data }));
      if (entries.length > 0 || waitMs === 0) return entries;
    }
    return this.blocking.wait(key, from, limit, waitMs, options.signal);
  }

  async remove(streamId: string): Promise<void> {
    this.checkOpen();
    await this.redis.client.del(this.key(streamId));
  }

  ping(): Promise<void> {
    return this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.blocking.close();
    await this.redis.release();
  }

  private key(streamId: string): string {
    return `${this.prefix}${streamId}`;
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreUnavailableError(STREAMS_STORE, new Error('the stream store is closed'));
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
