import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { envSchema } from '../../src/config/env';
import { MALLOC_ENV, NODE_FLAGS } from '../../src/contract/node-flags';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/contract/search-attributes';

const REPO = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(REPO, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: unknown;
  ports?: Array<string | { host_ip?: string; published?: string | number; target?: number }>;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;

/** Variables the code reads: the config's env schema, the mock provider's, and PORT. */
const mockProviderSource = ['env-config.ts', 'main.ts']
  .map((f) => join(REPO, 'src/mock-provider', f))
  .filter(existsSync)
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');
const readByCode = (name: string) =>
  name in envSchema.shape ||
  (name.startsWith('MOCK_PROVIDER_') && new RegExp(`\\b${name}\\b`).test(mockProviderSource));

describe('docker-compose.yml', () => {
  test('declares Temporal on PostgreSQL, its UI, the api, worker replicas and the mock provider', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'api', 'worker', 'mock-provider']),
    );
    expect(services.temporal?.image).toMatch(/^temporalio\/auto-setup:1\.29/);
    expect(services.temporal?.environment?.DB).toBe('postgres12');
    expect((services.worker as { deploy?: { replicas?: number } }).deploy?.replicas).toBeGreaterThan(1);
  });

  test.each(['api', 'worker', 'mock-provider'])(
    'the %s service runs an entry point that the build produces',
    (name) => {
      const command = services[name]?.command;
      expect(Array.isArray(command)).toBe(true);
      const script = (command as string[])[1]!;
      expect(script).toMatch(/^dist\/.*\.js$/);
      const source = script.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(join(REPO, source))).toBe(true);
    },
  );

  test.each(['api', 'worker', 'mock-provider'])('every variable given to %s is one the code reads', (name) => {
    const unknown = Object.keys(services[name]?.environment ?? {}).filter((v) => !readByCode(v));
    expect(unknown).toEqual([]);
  });

  test('the api and worker reach Temporal and the providers the same way', () => {
    for (const name of ['api', 'worker']) {
      expect(services[name]?.environment).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
      expect(services[name]?.environment?.OPENAI_BASE_URL).toContain('mock-provider:8090/openai/v1');
      // Containers share no files, so the counters must be in Redis for budgets to hold across replicas.
      expect(services[name]?.environment?.COUNTERS_URL).toMatch(/^redis:\/\/redis:6379/);
      expect(services[name]?.environment?.CACHE_URL).toMatch(/^redis:\/\/redis:6379/);
    }
    expect(services['mock-provider']?.environment?.MOCK_PROVIDER_PORT).toBe('8090');
  });

  test('only the api is published beyond this host: Temporal, its UI and the rest listen on 127.0.0.1', () => {
    const hostIpOf = (port: NonNullable<ComposeService['ports']>[number]) =>
      typeof port === 'string' ? (port.split(':').length === 3 ? port.split(':')[0] : undefined) : port.host_ip;
    const exposed = Object.entries(services).flatMap(([name, service]) =>
      (service.ports ?? [])
        .filter((port) => hostIpOf(port) !== '127.0.0.1')
        .map((port) => `${name} ${JSON.stringify(port)}`),
    );
    expect(exposed).toEqual(['api "8080:8080"']);
    for (const name of ['temporal', 'temporal-ui']) {
      for (const port of services[name]?.ports ?? []) expect(hostIpOf(port)).toBe('127.0.0.1');
    }
  });

  test('registers every custom search attribute the workflows use, with its type', () => {
    const setup = JSON.stringify(services['temporal-setup']?.command);
    for (const key of ALL_SEARCH_ATTRIBUTES) expect(setup).toContain(`--name ${key.name}`);
  });
});

describe('scripts/start-temporal.sh', () => {
  test('registers the same search attributes on the dev server', () => {
    const script = read('scripts/start-temporal.sh');
    const typeNames: Record<string, string> = { KEYWORD: 'Keyword', BOOL: 'Bool', DOUBLE: 'Double' };
    for (const key of ALL_SEARCH_ATTRIBUTES) expect(script).toContain(`${key.name}=${typeNames[key.type]}`);
  });
});

describe('Dockerfile', () => {
  test('builds the compiled entry points the compose file runs', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/FROM node:20/);
  });
});

describe("Switchyard's Node flags", () => {
  test('every way of starting the API and the worker passes them', () => {
    const image = read('Dockerfile').match(/^ENV NODE_OPTIONS=(.+)$/m)?.[1] ?? '';
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of NODE_FLAGS) {
      expect(image.split(' ')).toContain(flag);
      expect(scripts['start:api']?.split(' ')).toContain(flag);
      expect(scripts['start:worker']?.split(' ')).toContain(flag);
    }
  });

  test('every way of starting the API and the worker sets their malloc settings', () => {
    const dockerfile = read('Dockerfile');
    const image = [...dockerfile.matchAll(/^ENV (.+)$/gm)].flatMap((line) => (line[1] ?? '').split(' '));
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const entries = Object.entries(MALLOC_ENV);
    expect(entries.length).toBeGreaterThan(0);
    for (const [name, value] of entries) {
      expect(image).toContain(`${name}=${value}`);
      expect(scripts['start:api']?.split(' ')).toContain(`${name}=${value}`);
      expect(scripts['start:worker']?.split(' ')).toContain(`${name}=${value}`);
    }
  });
});
