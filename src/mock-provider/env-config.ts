import { MockBehaviorError, validateErrorRates } from './behavior';
import { type MockProviderOptions } from './server';

/** An environment variable that cannot be used; the message names it. */
export class MockProviderConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'MockProviderConfigError';
  }
}

/** The port `npm run start:mock` listens on when MOCK_PROVIDER_PORT is not set. */
export const DEFAULT_MOCK_PROVIDER_PORT = 8090;

type Env = Readonly<Record<string, string | undefined>>;

function numberVar(env: Env, name: string, check: (n: number) => boolean, expected: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!check(value)) throw new MockProviderConfigError(name, `expected ${expected}, got "${raw}"`);
  return value;
}

/** `500:0.1,429:0.05,hang:0.01` → `{ '500': 0.1, '429': 0.05, hang: 0.01 }`, validated like the behavior API. */
function errorRatesVar(env: Env, name: string): MockProviderOptions['errorRates'] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const rates: Record<string, number> = {};
  for (const pair of raw.split(',')) {
    const [kind, rate, extra] = pair.split(':').map((part) => part.trim());
    if (kind === undefined || kind === '' || rate === undefined || rate === '' || extra !== undefined) {
      throw new MockProviderConfigError(
        name,
        `expected kind:probability pairs such as "500:0.1,hang:0.01", got "${pair}"`,
      );
    }
    rates[kind] = Number(rate);
  }
  try {
    return validateErrorRates(rates, name);
  } catch (err) {
    // err.field is the variable name plus the fault kind, e.g. MOCK_PROVIDER_ERROR_RATES.500
    if (err instanceof MockBehaviorError) throw new MockProviderConfigError(err.field, err.reason);
    throw err;
  }
}

const isNonNegative = (n: number): boolean => Number.isFinite(n) && n >= 0;

/**
 * Reads the mock's settings from MOCK_PROVIDER_* variables.
 * @throws MockProviderConfigError naming the first unusable variable.
 */
export function readMockProviderEnv(env: Env): MockProviderOptions {
  const options: MockProviderOptions = {
    port:
      numberVar(
        env,
        'MOCK_PROVIDER_PORT',
        (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
        'a port from 0 to 65535',
      ) ?? DEFAULT_MOCK_PROVIDER_PORT,
    host: env.MOCK_PROVIDER_HOST?.trim() || '127.0.0.1',
  };
  const latencyMs = numberVar(env, 'MOCK_PROVIDER_LATENCY_MS', isNonNegative, 'a non-negative number of milliseconds');
  if (latencyMs !== undefined) options.latencyMs = latencyMs;
  const errorRates = errorRatesVar(env, 'MOCK_PROVIDER_ERROR_RATES');
  if (errorRates !== undefined) options.errorRates = errorRates;
  const retryAfter = numberVar(
    env,
    'MOCK_PROVIDER_RETRY_AFTER_SECONDS',
    isNonNegative,
    'a non-negative number of seconds',
  );
  if (retryAfter !== undefined) options.retryAfterSeconds = retryAfter;
  const keyRpm = numberVar(env, 'MOCK_PROVIDER_KEY_RPM', (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
  if (keyRpm !== undefined) options.keyRateLimitPerMinute = keyRpm;
  const seed = numberVar(env, 'MOCK_PROVIDER_SEED', Number.isInteger, 'an integer');
  if (seed !== undefined) options.seed = seed;
  const batchMs = numberVar(
    env,
    'MOCK_PROVIDER_BATCH_COMPLETION_MS',
    isNonNegative,
    'a non-negative number of milliseconds',
  );
  if (batchMs !== undefined) options.batchCompletionMs = batchMs;
  const expiryMs = numberVar(
    env,
    'MOCK_PROVIDER_BATCH_EXPIRY_MS',
    isNonNegative,
    'a non-negative number of milliseconds',
  );
  if (expiryMs !== undefined) options.batchExpiryMs = expiryMs;
  const chunkGapMs = numberVar(
    env,
    'MOCK_PROVIDER_STREAM_CHUNK_GAP_MS',
    isNonNegative,
    'a non-negative number of milliseconds',
  );
  if (chunkGapMs !== undefined) options.streamChunkGapMs = chunkGapMs;
  return options;
}
