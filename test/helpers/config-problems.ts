import { ConfigError, loadConfig } from '../../src/config';

/** The problems `loadConfig` reports for `env`; fails the test when the config loads without one. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
