import { freePort } from '../helpers/free-port';
import { launcherEnv, launcherExit, launcherPorts, spawnLauncher } from '../helpers/launcher-process';

test('with a Temporal address nothing answers on, the launcher exits non-zero within seconds and names the address', async () => {
  const ports = await launcherPorts();
  // Not a loopback address the launcher runs Temporal on itself, and nothing listens there.
  const address = `127.0.0.2:${await freePort()}`;
  const startedAt = Date.now();
  const launcher = spawnLauncher(ports, launcherEnv(ports, { TEMPORAL_ADDRESS: address }));
  expect(await launcherExit(launcher)).toBe(1);
  expect(Date.now() - startedAt).toBeLessThan(15_000);
  expect(launcher.output()).toContain(`The Temporal server at ${address} does not answer`);
  expect(launcher.output()).toContain('TEMPORAL_ADDRESS');
  expect(launcher.output()).not.toContain('Switchyard is running');
}, 30_000);

test('when a part exits while starting, the launcher stops with its last output instead of waiting for readiness', async () => {
  const ports = await launcherPorts();
  const env = launcherEnv(ports, {
    // The shared test server answers, so the launcher uses it and goes straight on to the mock provider.
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    MOCK_PROVIDER_LATENCY_MS: 'soon',
  });
  const startedAt = Date.now();
  const launcher = spawnLauncher(ports, env);
  expect(await launcherExit(launcher)).toBe(1);
  expect(Date.now() - startedAt).toBeLessThan(15_000);
  expect(launcher.output()).toMatch(/mock exited \(1\) before the mock provider answered/);
  expect(launcher.output()).toContain('MOCK_PROVIDER_LATENCY_MS');
  expect(launcher.output()).not.toContain('Switchyard is running');
}, 30_000);
