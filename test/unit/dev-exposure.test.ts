import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashApiKey, loadConfig } from '../../src/config';
import { developmentKeyProblem, displayedApiUrl } from '../../src/dev/exposure';

/** A config file declaring one tenant, `acme`. */
function tenantsConfigFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), 'switchyard.json');
  writeFileSync(path, JSON.stringify({ tenants: { acme: { apiKeys: [hashApiKey('sk-acme')] } } }));
  return path;
}

describe('npm start exposure', () => {
  test('when a real provider key is set and no API key is, the development key is refused', () => {
    const env = { OPENAI_API_KEY: 'sk-real' };
    const problem = developmentKeyProblem(loadConfig(env), env);
    expect(problem).toMatch(/SWITCHYARD_API_KEY/);
    expect(problem).toMatch(/tenants/);
    expect(problem).toContain('OPENAI_API_KEY');
    expect(problem).not.toContain('sk-real');
  });

  test('with an API key or tenants of its own, or without provider keys, it may start', () => {
    const withKey = { OPENAI_API_KEY: 'sk-real', SWITCHYARD_API_KEY: 'sk-mine' };
    expect(developmentKeyProblem(loadConfig(withKey), withKey)).toBeNull();
    expect(developmentKeyProblem(loadConfig({}), {})).toBeNull();
    const withTenants = { OPENAI_API_KEY: 'sk-real', SWITCHYARD_CONFIG: tenantsConfigFile() };
    expect(developmentKeyProblem(loadConfig(withTenants), withTenants)).toBeNull();
  });

  test('the API binds to HOST or api.host when given, and the printed URL reaches it', () => {
    expect(loadConfig({}).api.host).toBeUndefined();
    expect(loadConfig({ HOST: '0.0.0.0' }).api.host).toBe('0.0.0.0');
    expect(() => loadConfig({ HOST: 'evil host\n' })).toThrow(/HOST/);
    expect(displayedApiUrl('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080');
    expect(displayedApiUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080');
    expect(displayedApiUrl('::1', 8080)).toBe('http://[::1]:8080');
  });
});
