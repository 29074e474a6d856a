import { CONVENTIONAL_PROVIDERS } from '../config/env';
import { ConfigError, loadConfig, type Config } from '../config';
import { mockProviderEnv } from './mock-provider-env';

/** The configuration `npm start` runs with, and the mock provider's URL when it stands in for the providers. */
export interface LaunchConfig {
  config: Config;
  /** Set when no provider is configured: every provider is then the mock at this URL. */
  mockUrl: string | null;
}

/**
 * Loads the configuration the way the worker and API will see it. With no provider configured (no provider
 * key in the environment, no `providers:` in the file) the mock provider stands in for all of them, so the
 * config is validated with the mock's keys set: a file naming, say, a Gemini model is valid in mock mode.
 */
export function loadLaunchConfig(env: NodeJS.ProcessEnv, mockPort: number): LaunchConfig {
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  const withMock = { ...env, ...mockProviderEnv(mockUrl) };
  const keySet = CONVENTIONAL_PROVIDERS.some((provider) => env[provider.keyVar]);
  let own: Config;
  try {
    own = loadConfig(env);
  } catch (err) {
    // Valid only once the mock's keys are set: the file uses providers, but configures none itself.
    if (keySet || !(err instanceof ConfigError)) throw err;
    return { config: loadConfig(withMock), mockUrl };
  }
  if (keySet || Object.keys(own.providers).length > 0) return { config: own, mockUrl: null };
  return { config: loadConfig(withMock), mockUrl };
}
