import { skipped, type CheckResult } from './check';
import { checkClocks } from './clock-check';
import { checkConfig } from './config-check';
import { checkProviderKeys } from './provider-keys-check';
import { checkStores } from './stores-check';
import { checkTemporal } from './temporal-check';

/** The doctor's report: every check, and whether any found a problem. */
export interface DoctorReport {
  healthy: boolean;
  checks: CheckResult[];
}

/**
 * Runs every check with the config and environment the API and worker would read here. An invalid config
 * leaves the other checks nothing to check, so they are reported as skipped.
 */
export async function runDoctor(env: NodeJS.ProcessEnv, apiUrl: string): Promise<DoctorReport> {
  const { results, config } = checkConfig(env);
  const checks = [...results];
  if (!config) {
    for (const name of ['temporal', 'stores', 'provider keys', 'clock']) {
      checks.push(skipped(name, 'needs a valid config'));
    }
  } else {
    // Independent of one another, so they run side by side: the report comes as fast as the slowest check.
    const groups = await Promise.all([
      checkTemporal(config),
      checkStores(config),
      checkProviderKeys(config, env),
      checkClocks(config, apiUrl),
    ]);
    checks.push(...groups.flat());
  }
  return { healthy: checks.every((check) => check.status !== 'problem'), checks };
}
