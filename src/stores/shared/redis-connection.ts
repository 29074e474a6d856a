import type { RedisClientType } from '@redis/client';
import { redactCredentials } from '../../contract/store-url';
import { redisModule } from './redis-module';

/** The Redis client the stores use (RESP2, no modules). */
export type RedisClient = RedisClientType;

/** The part of a pino logger the connection needs. */
export interface StoreLogger {
  warn(details: object, message: string): void;
}

export interface RedisConnectionOptions {
  /**
   * Where connection errors go. Only the first caller's logger is used for a URL, since the client is shared.
   * @default console.warn
   */
  logger?: StoreLogger;
  /**
   * Connection attempts before the first successful connection gives up. After that, the client
   * reconnects for as long as it lives.
   * @default 5
   */
  initialAttempts?: number;
}

/** One user's share of a process-wide Redis client. */
export interface SharedRedisClient {
  readonly client: RedisClient;
  /** Sends PING; rejects at once while the connection is down (commands are not queued). */
  ping(): Promise<void>;
  /** Gives this share back; the client disconnects when the last share is released. Idempotent. */
  release(): Promise<void>;
}

interface Entry {
  client: Promise<RedisClient>;
  shares: number;
}

const consoleLogger: StoreLogger = { warn: (details, message) => console.warn(message, details) };

// One client per URL per process: node-redis pipelines concurrent commands over one socket, so more
// clients would only add connections to the server.
const open = new Map<string, Entry>();

/**
 * Connects (or shares the connection) to the Redis server at `url`. Resolves once the client is ready;
 * rejects when the server cannot be reached within `initialAttempts`. Errors after that are logged and
 * the client reconnects; commands sent meanwhile fail at once. A Redis restart costs failed commands,
 * never a crashed or stuck process.
 */
export async function connectRedis(url: string, options: RedisConnectionOptions = {}): Promise<SharedRedisClient> {
  let entry = open.get(url);
  if (!entry) {
    const created: Entry = { client: createConnected(url, options), shares: 0 };
    entry = created;
    open.set(url, created);
    // A failed first connection must not be handed to later callers: they try again.
    created.client.catch(() => {
      if (open.get(url) === created) open.delete(url);
    });
  }
  entry.shares += 1;
  const shared = entry;
  let client: RedisClient;
  try {
    client = await shared.client;
  } catch (err) {
    shared.shares -= 1;
    throw err;
  }
  let released = false;
  return {
    client,
    async ping() {
      await client.ping();
    },
    async release() {
      if (released) return;
      released = true;
      shared.shares -= 1;
      if (shared.shares > 0) return;
      if (open.get(url) === shared) open.delete(url);
      if (client.isOpen) await client.close();
    },
  };
}

async function createConnected(url: string, options: RedisConnectionOptions): Promise<RedisClient> {
  const logger = options.logger ?? consoleLogger;
  const initialAttempts = options.initialAttempts ?? 5;
  const target = redactCredentials(url);
  let everReady = false;
  const client: RedisClient = redisModule().createClient({
    url,
    // While the connection is down, commands fail at once instead of queueing until it is back: a cache
    // lookup or budget check that waits for Redis would hold an HTTP request or an activity for as long.
    disableOfflineQueue: true,
    socket: {
      // Before the first success, give up so start-up fails with the cause; afterwards keep trying, with
      // a capped backoff, because a long-running process should outlive a Redis restart.
      reconnectStrategy: (retries, cause) => {
        // A new Error, not `cause`: node-redis tells "give up" from "retry" by `instanceof Error`, and socket
        // errors may come from another realm (e.g. under jest) where that check fails and it retries forever.
        if (!everReady && retries >= initialAttempts) return new Error(messageOf(cause));
        return Math.min(50 * 2 ** retries, 2_000);
      },
    },
  });
  // Without a listener an 'error' event would crash the process; with one, each reconnect attempt reports
  // the same error, so only the first of a run of identical messages is logged.
  let lastMessage: string | undefined;
  client.on('error', (err: unknown) => {
    const message = messageOf(err);
    if (message === lastMessage) return;
    lastMessage = message;
    logger.warn({ err, redis: target }, 'Redis connection error');
  });
  client.on('ready', () => {
    everReady = true;
    lastMessage = undefined;
  });
  try {
    await client.connect();
  } catch (err) {
    if (client.isOpen) client.destroy();
    throw new Error(`Cannot connect to Redis at ${target}: ${messageOf(err)}`, { cause: err });
  }
  return client;
}

function messageOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
}
