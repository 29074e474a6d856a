import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { api } from '../helpers/http';
import {
  launcherEnv,
  launcherExit,
  launcherPorts,
  spawnLauncher,
  untilPrinted,
  type Launcher,
} from '../helpers/launcher-process';

/** The README's tenants example, as written there. */
function readmeTenantsExample(): string {
  const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Tenants'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!block?.[1]) throw new Error('README has no YAML example under "### Tenants"');
  return block[1];
}

test("in mock mode, README's tenants example starts without provider keys, and the banner offers no development key", async () => {
  const ports = await launcherPorts();
  const configFile = join(mkdtempSync(join(tmpdir(), 'switchyard-tenants-')), 'switchyard.yaml');
  writeFileSync(configFile, readmeTenantsExample());
  const launcher: Launcher = spawnLauncher(ports, launcherEnv(ports, { SWITCHYARD_CONFIG: configFile }));
  try {
    await untilPrinted(launcher, 'Switchyard is running');
    expect(launcher.output()).toContain("the tenants' own keys");
    expect(launcher.output()).not.toContain('sk-switchyard-dev');
    expect(launcher.output()).not.toContain('Try: curl');

    // The example's tenant key is "test"; its `cheap` route names a Gemini model, answered by the mock.
    const url = `http://127.0.0.1:${ports.api}`;
    const body = { model: 'cheap', messages: [{ role: 'user', content: 'Hello tenants' }] };
    const answer = await api(url, 'POST', '/v1/chat/completions', { key: 'test', body });
    expect(answer.status).toBe(200);
    expect(answer.body.choices[0].message.content).toContain('Hello tenants');
    const refused = await api(url, 'POST', '/v1/chat/completions', { key: 'sk-switchyard-dev', body });
    expect(refused.status).toBe(401);
  } finally {
    launcher.process.kill('SIGTERM');
    await launcherExit(launcher);
  }
  expect(launcher.process.exitCode).toBe(0);
}, 150_000);
