import type { Config } from '../../config';
import { storeOptions } from '../../config/store-options';
import { describeStoreUrl } from '../../contract/store-url';
import { connectRedis } from '../../stores/shared/redis-connection';
import { ok, problem, reasonOf, skipped, within, type CheckResult } from './check';

/** Skew above which budgets' day boundaries, cooldowns and circuit timings disagree between machines. */
const MAX_SKEW_MS = 2_000;
const TIMEOUT_MS = 5_000;

/** Another clock read over the network: its time, and how uncertain the reading is (half the round trip, resolution). */
interface Reading {
  source: string;
  skewMs: number;
  uncertaintyMs: number;
}

/** The API's `Date` header (whole seconds) against this machine's clock at the middle of the round trip. */
async function apiClock(apiUrl: string): Promise<Reading> {
  const sent = Date.now();
  const response = await fetch(`${apiUrl.replace(/\/+$/, '')}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const received = Date.now();
  await response.arrayBuffer();
  const date = response.headers.get('date');
  if (!date || Number.isNaN(Date.parse(date))) throw new Error('the API sent no Date header');
  // The header is truncated to the second: the server's time was somewhere in [date, date + 1 s).
  return {
    source: `API ${apiUrl} (Date header)`,
    skewMs: Date.parse(date) + 500 - (sent + received) / 2,
    uncertaintyMs: 500 + (received - sent) / 2,
  };
}

/** Redis `TIME` (microseconds) against this machine's clock. */
async function redisClock(url: string): Promise<Reading> {
  const shared = await connectRedis(url, { initialAttempts: 1, logger: { warn: () => undefined } });
  try {
    const sent = Date.now();
    const reply = await shared.client.sendCommand(['TIME']);
    const received = Date.now();
    const [seconds, micros] = Array.isArray(reply) ? reply.map(String) : [];
    if (seconds === undefined || micros === undefined) throw new Error('Redis answered TIME with no time');
    return {
      source: `Redis ${describeStoreUrl({ kind: 'redis', url })} (TIME)`,
      skewMs: Number(seconds) * 1000 + Number(micros) / 1000 - (sent + received) / 2,
      uncertaintyMs: (received - sent) / 2,
    };
  } finally {
    await shared.release();
  }
}

function judge(reading: Reading): CheckResult {
  const skew = Math.round(reading.skewMs);
  const beyond = Math.abs(reading.skewMs) - reading.uncertaintyMs;
  const direction = skew > 0 ? 'ahead of' : 'behind';
  if (beyond > MAX_SKEW_MS) {
    return problem(
      'clock',
      `${reading.source} is ${Math.abs(skew)} ms ${direction} this machine (more than ${MAX_SKEW_MS / 1000} s): spending-cap days, key cooldowns and circuit timings disagree between machines.`,
      'Synchronise the clocks with NTP on every machine (e.g. `timedatectl set-ntp true`, or chrony), then run `switchyard doctor` again.',
    );
  }
  return ok(
    'clock',
    `${reading.source}: ${Math.abs(skew)} ms ${direction} this machine (±${Math.round(reading.uncertaintyMs)} ms)`,
  );
}

/** This machine's clock against the API's `Date` header and, on Redis, Redis `TIME`: skew over 2 s is a problem. */
export async function checkClocks(config: Config, apiUrl: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    results.push(judge(await within(`API at ${apiUrl}`, TIMEOUT_MS, () => apiClock(apiUrl))));
  } catch (err) {
    results.push(
      skipped(
        'clock',
        `no reading from the API at ${apiUrl} (${reasonOf(err)}); pass --url to compare with a running API`,
      ),
    );
  }
  const { cacheUrl, countersUrl } = storeOptions(config);
  const redisUrls = new Set([cacheUrl, countersUrl].flatMap((url) => (url.kind === 'redis' ? [url.url] : [])));
  for (const url of redisUrls) {
    try {
      results.push(
        judge(await within(`Redis at ${describeStoreUrl({ kind: 'redis', url })}`, TIMEOUT_MS, () => redisClock(url))),
      );
    } catch (err) {
      results.push(
        skipped('clock', `no reading from Redis ${describeStoreUrl({ kind: 'redis', url })} (${reasonOf(err)})`),
      );
    }
  }
  return results;
}
