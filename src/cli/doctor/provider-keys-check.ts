import type { Config, ProviderConfig } from '../../config';
import { ok, problem, reasonOf, skipped, type CheckResult } from './check';

const TIMEOUT_MS = 10_000;

/** The provider's cheapest authenticated call: its model list, with the key sent as the provider expects. */
function modelsRequest(provider: ProviderConfig, secret: string): { url: string; headers: Record<string, string> } {
  const base = (fallback: string) => (provider.baseUrl ?? fallback).replace(/\/+$/, '');
  switch (provider.type) {
    case 'anthropic':
      return {
        url: `${base('https://api.anthropic.com')}/v1/models`,
        headers: { 'x-api-key': secret, 'anthropic-version': '2023-06-01' },
      };
    case 'gemini':
      return {
        url: `${base('https://generativelanguage.googleapis.com')}/v1beta/models`,
        headers: { 'x-goog-api-key': secret },
      };
    case 'openai':
    case 'openai-compatible':
      return { url: `${base('https://api.openai.com/v1')}/models`, headers: { authorization: `Bearer ${secret}` } };
  }
}

/** The provider's own error message, from any of the three wire formats' envelopes. */
function providerMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const error = body.error;
    if (typeof error === 'object' && typeof error.message === 'string') return error.message;
    if (typeof error === 'string') return error;
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON.
  }
  return text.slice(0, 200);
}

/** Whether an answer says the key itself is not accepted (Gemini says so with 400 API_KEY_INVALID). */
function rejectsKey(status: number, text: string): boolean {
  return status === 401 || status === 403 || (status === 400 && text.includes('API_KEY_'));
}

async function checkKey(id: string, provider: ProviderConfig, alias: string, variable: string, env: NodeJS.ProcessEnv) {
  const name = `provider ${id} key ${alias}`;
  const secret = env[variable]?.trim();
  if (!secret) {
    return problem(
      name,
      `${variable} is not set in this environment, so the worker has no secret for key ${alias}.`,
      `Set ${variable} to the provider's API key where the worker runs (and here), or remove the alias from providers.${id}.keys.`,
    );
  }
  const { url, headers } = modelsRequest(provider, secret);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    text = await response.text();
  } catch (err) {
    return problem(
      name,
      `GET ${url} failed: ${reasonOf(err)}`,
      `Check providers.${id}.baseUrl and that this machine reaches the provider (proxy, firewall, DNS).`,
    );
  }
  if (response.ok) return ok(name, `${variable} accepted by GET ${url}`);
  const message = providerMessage(text);
  if (rejectsKey(response.status, text)) {
    return problem(
      name,
      `The provider rejected ${variable} (HTTP ${response.status}: ${message}): the key is revoked, mistyped or lacks access.`,
      `Put a valid key in ${variable}, or remove alias ${alias} from providers.${id}.keys; then restart the worker.`,
    );
  }
  return problem(
    name,
    `GET ${url} answered HTTP ${response.status}: ${message}`,
    response.status === 404
      ? `Check providers.${id}.baseUrl: it should be the API base the SDK uses (e.g. https://api.openai.com/v1).`
      : 'The provider may be having trouble; try again, and check its status page if it persists.',
  );
}

/** Each configured key answers a cheap authenticated call of its provider (listing models). */
export async function checkProviderKeys(config: Config, env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const providers = Object.entries(config.providers);
  if (providers.length === 0) {
    return [
      skipped(
        'provider keys',
        'no provider is configured in this environment (`npm start` runs the mock provider then); set OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY, or declare providers in the config file',
      ),
    ];
  }
  return Promise.all(
    providers.flatMap(([id, provider]) => provider.keys.map((key) => checkKey(id, provider, key.alias, key.env, env))),
  );
}
