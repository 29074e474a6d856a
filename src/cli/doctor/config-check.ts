import { ConfigError, loadConfig, type Config } from '../../config';
import { ok, problem, type CheckResult } from './check';

const RERUN = 'then run `switchyard doctor` again';

/** How to fix one line of a `ConfigError`, which starts with the field (file path + dotted field, or variable). */
function fixFor(line: string, file: string | undefined): { cause: string; fix: string } {
  const colon = line.indexOf(': ');
  const where = colon > 0 ? line.slice(0, colon) : '';
  const what = colon > 0 ? line.slice(colon + 2) : line;
  if (file && where.startsWith(`${file}.`)) {
    const field = where.slice(file.length + 1);
    return { cause: `${field}: ${what} (in ${file})`, fix: `Change ${field} in ${file} (${what}), ${RERUN}.` };
  }
  if (file && where === file) return { cause: line, fix: `Correct the syntax of ${file}, ${RERUN}.` };
  if (/^[A-Z][A-Z0-9_]*( |$)/.test(where)) {
    const variable = where.split(' ')[0] ?? where;
    return { cause: line, fix: `Set ${variable} to a valid value (${what}) in the environment, ${RERUN}.` };
  }
  if (where !== '') {
    return {
      cause: line,
      fix: `Change ${where} in ${file ?? 'the config file (SWITCHYARD_CONFIG)'} (${what}), ${RERUN}.`,
    };
  }
  return { cause: line, fix: `Correct the configuration as the message says, ${RERUN}.` };
}

/** Loads the config exactly as the API and worker do; every problem of an invalid one is its own result. */
export function checkConfig(env: NodeJS.ProcessEnv): { results: CheckResult[]; config?: Config } {
  const file = env.SWITCHYARD_CONFIG?.trim() || undefined;
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return {
      results: err.problems.map((line) => {
        const { cause, fix } = fixFor(line, file);
        return problem('config', cause, fix);
      }),
    };
  }
  const results: CheckResult[] = [];
  const source = file ? `SWITCHYARD_CONFIG=${file}` : 'environment only (no SWITCHYARD_CONFIG)';
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  results.push(
    ok(
      'config',
      `${source}: ${count(Object.keys(config.providers).length, 'provider')}, ${count(Object.keys(config.tenants).length, 'tenant')}, ${count(Object.keys(config.routes).length, 'route')}`,
    ),
  );
  if (Object.keys(config.tenants).length === 0) {
    results.push(
      problem(
        'config tenants',
        'No tenant is configured: `npm run start:api` refuses to start (`npm start` uses its development key).',
        `Set SWITCHYARD_API_KEY (the key clients send), or declare tenants in ${file ?? 'a config file named by SWITCHYARD_CONFIG'}.`,
      ),
    );
  }
  return { results, config };
}
