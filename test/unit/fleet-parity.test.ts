import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fleetEnv } from '../../src/dev/fleet-env';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/contract/search-attributes';

// docker-compose.yml describes the fleet that scripts/fleet/ runs natively and test/integration/fleet.test.ts
// proves: the two must not drift apart (same variables, search attributes, Temporal release, namespace, schema).

const REPO = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(REPO, file), 'utf8');

interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
  command?: string[] | string;
}
const services = (parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> })
  .services;
const installServer = read('scripts/fleet/install-temporal-server.sh');
const up = read('scripts/fleet/up.sh');
const common = read('scripts/fleet/common.sh');
const template = read('scripts/fleet/temporal-config.template.yaml');

/** The server release the fleet builds, e.g. `1.29.1`. */
const serverVersion = /^SERVER_VERSION="v(\d+\.\d+\.\d+)"$/m.exec(installServer)?.[1];

/** `--type T --name A --name B` groups of the compose setup command, as name → type. */
function composeSearchAttributes(): Map<string, string> {
  const command = [services['temporal-setup']?.command ?? []].flat().join(' ');
  const found = new Map<string, string>();
  for (const group of command.split(/search-attribute create/).slice(1)) {
    const type = /--type (\w+)/.exec(group)?.[1];
    for (const [, name] of group.matchAll(/--name (\w+)/g)) found.set(name!, type ?? '?');
  }
  return found;
}

describe('docker-compose.yml and the natively run fleet (scripts/fleet)', () => {
  test('the api and worker get the same variables as the fleet gives its processes, with Redis for both stores', () => {
    const fleet = fleetEnv({
      temporalAddress: 'temporal:7233',
      namespace: 'default',
      redisUrl: 'redis://redis:6379',
      taskQueuePrefix: 'switchyard',
    });
    for (const name of ['api', 'worker']) {
      const environment = services[name]?.environment ?? {};
      expect(Object.keys(environment)).toEqual(expect.arrayContaining(Object.keys(fleet)));
      expect(environment).toMatchObject(fleet);
    }
  });

  test('both register the same search attributes, with the types the workflows write', () => {
    const typeNames: Record<string, string> = { KEYWORD: 'Keyword', BOOL: 'Bool', DOUBLE: 'Double' };
    const expected = new Map(ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, typeNames[key.type] ?? key.type]));
    expect(composeSearchAttributes()).toEqual(expected);
    // The fleet registers ALL_SEARCH_ATTRIBUTES itself, through the operator service.
    expect(up).toContain('src/dev/fleet-register.ts');
    expect(read('src/dev/fleet-register.ts')).toContain('registerSearchAttributes');
    expect(read('src/worker/register-search-attributes.ts')).toContain('ALL_SEARCH_ATTRIBUTES');
  });

  test('SQL visibility has room for them: at most 10 Keyword, 3 Bool and 3 Double custom attributes', () => {
    const count = (type: string) => ALL_SEARCH_ATTRIBUTES.filter((key) => key.type === type).length;
    expect(count('KEYWORD')).toBeLessThanOrEqual(10);
    expect(count('BOOL')).toBeLessThanOrEqual(3);
    expect(count('DOUBLE')).toBeLessThanOrEqual(3);
  });

  test('the same Temporal server release: the images match the server the fleet builds and the CLI embeds', () => {
    expect(serverVersion).toBe('1.29.1');
    expect(services.temporal?.image).toBe(`temporalio/auto-setup:${serverVersion}`);
    expect(services['temporal-setup']?.image).toBe(`temporalio/admin-tools:${serverVersion}`);
    // scripts/install-temporal.sh builds the CLI whose dev server is the same release line.
    expect(read('scripts/install-temporal.sh')).toContain(
      `WANTED_SERVER="${serverVersion!.split('.').slice(0, 2).join('.')}"`,
    );
  });

  test('the same namespace', () => {
    expect(services.api?.environment?.TEMPORAL_NAMESPACE).toBe('default');
    expect(services.worker?.environment?.TEMPORAL_NAMESPACE).toBe('default');
    expect(JSON.stringify(services['temporal-setup']?.command)).toContain('--namespace default');
    expect(common).toContain('NAMESPACE="${TEMPORAL_NAMESPACE:-default}"');
  });

  test('the same PostgreSQL persistence: the postgres12 plugin and the v12 schemas of that release', () => {
    expect(services.temporal?.environment?.DB).toBe('postgres12');
    expect(services.temporal?.environment?.POSTGRES_USER).toBe('temporal');
    expect(services.temporal?.environment?.POSTGRES_PWD).toBe('temporal');
    expect(template.match(/pluginName: postgres12/g)).toHaveLength(2);
    expect(template).toMatch(/databaseName: temporal\n/);
    expect(template).toMatch(/databaseName: temporal_visibility\n/);
    // auto-setup applies its release's schema/postgresql/v12; the fleet applies the same files from the module.
    expect(installServer).toContain('schema/postgresql/v12');
    expect(up).toContain('--plugin postgres12');
    const postgresMajor = Number(/^postgres:(\d+)/.exec(services.postgresql?.image ?? '')?.[1]);
    expect(postgresMajor).toBeGreaterThanOrEqual(12);
  });
});
