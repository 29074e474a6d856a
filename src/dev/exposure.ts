import type { Config } from '../config';

/** The key `npm start` uses when SWITCHYARD_API_KEY is unset: public, for local development only. */
export const DEVELOPMENT_API_KEY = 'sk-switchyard-dev';

/** Where `npm start` binds the API unless HOST or `api.host` says otherwise: this machine only. */
export const DEFAULT_DEV_API_HOST = '127.0.0.1';

/**
 * Why `npm start` must not run with the development key, or null when it may. The development key is
 * printed in the README: with a real provider key set, anyone who can reach the API could spend it.
 */
export function developmentKeyProblem(config: Config, env: NodeJS.ProcessEnv): string | null {
  if (Object.keys(config.tenants).length > 0) return null;
  const secrets = Object.values(config.providers)
    .flatMap((provider) => provider.keys.map((key) => key.env))
    .filter((variable) => env[variable]);
  if (secrets.length === 0) return null;
  return [
    `Refusing to start with the public development key ${DEVELOPMENT_API_KEY} while a provider key is set`,
    `(${[...new Set(secrets)].join(', ')}): anyone who can reach the API could spend it.`,
    'Set SWITCHYARD_API_KEY to a secret key of your own, or declare a tenants section in the config file',
    '(SWITCHYARD_CONFIG).',
  ].join(' ');
}

/** The URL to print for an API listening on `host`: a wildcard address is reached through the loopback. */
export function displayedApiUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
