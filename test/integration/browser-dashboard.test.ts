import type { Browser, Page } from 'puppeteer-core';
import { hashApiKey } from '../../src/config';
import { attributeOf, launchBrowser, openPage, screenshot, textsOf, visibleText } from '../helpers/browser';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

// Headless Chromium drives `/dashboard` as an operator would: sign in with the operator key, watch the figures
// while jobs stream through the API; and with a wrong key, see an error and no data.

const ADMIN_KEY = 'sk-admin-dashboard';
const FIGURES = [
  'jobs_completed',
  'jobs_per_second',
  'latency_p50_ms',
  'latency_p95_ms',
  'latency_p99_ms',
  'error_rate',
  'cost_per_request_usd',
  'cache_hit_ratio',
  'coalesced_ratio',
  'jobs_in_flight',
] as const;
type Figure = (typeof FIGURES)[number];
/** How long the figures may take to reflect the load (the page refreshes every 2 s; visibility lags). */
const MOVE_DEADLINE_MS = 30_000;

let harness: Harness;
let browser: Browser;
let url: string;

beforeAll(async () => {
  [harness, browser] = await Promise.all([
    startHarness({
      api: true,
      config: { tenants: { alpha: tenant('alpha') }, adminApiKeys: [hashApiKey(ADMIN_KEY)] },
    }),
    launchBrowser(),
  ]);
  url = harness.api!.url;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

/** A figure's value as a number (NaN for a placeholder such as "–"). */
function numberIn(text: string): number {
  const match = /-?\d+(?:\.\d+)?/.exec(text.replace(/[,\s]/g, ''));
  return match ? Number(match[0]) : NaN;
}

async function figure(page: Page, name: Figure): Promise<number> {
  const [text] = await textsOf(page, `[data-figure="${name}"]`);
  return numberIn(text ?? '');
}

async function openDashboard(): Promise<Page> {
  const page = await openPage(browser);
  await page.goto(`${url}/dashboard`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#admin-key');
  return page;
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.type('#admin-key', key);
  await page.click('#sign-in');
}

/** Submits chat jobs as tenant alpha, `streams` at a time, each waiting for its job to end, until `stop()`. */
function streamJobs(streams: number): { stop(): Promise<number> } {
  let running = true;
  let completed = 0;
  let n = 0;
  const stream = async () => {
    while (running) {
      const key = tenantKey('alpha');
      const submitted = await api(url, 'POST', '/v1/jobs', { body: chatBody(`Dashboard load ${n++}`), key });
      expect(submitted.status).toBe(202);
      const done = await api(url, 'GET', `/v1/jobs/${submitted.body.id}?wait=30`, { key });
      expect(done.body.status).toBe('completed');
      completed++;
    }
  };
  const all = Promise.all(Array.from({ length: streams }, stream));
  // A failed job fails the test when stop() awaits it, not as an unhandled rejection in between.
  all.catch(() => undefined);
  return {
    async stop() {
      running = false;
      await all;
      return completed;
    },
  };
}

interface Sample {
  updatedAt: string | null;
  completed: number;
  perSecond: number;
}

test('signed in with the operator key, the dashboard refreshes and its figures rise while jobs stream through the API', async () => {
  const page = await openDashboard();
  await signIn(page, ADMIN_KEY);
  await page.waitForSelector('#dashboard[data-updated-at]');
  const sample = async (): Promise<Sample> => ({
    updatedAt: await attributeOf(page, '#dashboard', 'data-updated-at'),
    completed: await figure(page, 'jobs_completed'),
    perSecond: await figure(page, 'jobs_per_second'),
  });
  const first = await sample();
  expect(Number.isNaN(Date.parse(first.updatedAt ?? ''))).toBe(false);

  const load = streamJobs(3);
  const samples: Sample[] = [first];
  let rose: Sample | undefined;
  try {
    const deadline = Date.now() + MOVE_DEADLINE_MS;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const next = await sample();
      samples.push(next);
      if (next.completed > first.completed && next.perSecond > 0 && next.updatedAt !== first.updatedAt) {
        rose = next;
        break;
      }
    }
  } finally {
    expect(await load.stop()).toBeGreaterThan(0);
  }
  await screenshot(page, 'dashboard-signed-in');

  // Across its own refreshes (each stamps a new data-updated-at), the page counted the jobs closing.
  expect({ rose, samples }).toMatchObject({ rose: expect.anything() });
  expect(rose!.completed).toBeGreaterThan(first.completed);
  expect(rose!.perSecond).toBeGreaterThan(0);
  expect(rose!.updatedAt).not.toBe(first.updatedAt);
  expect(new Set(samples.map((s) => s.updatedAt)).size).toBeGreaterThan(1);
  for (const name of FIGURES) expect(await textsOf(page, `[data-figure="${name}"]`)).toHaveLength(1);

  // The key is kept for the tab's session: a reload shows the data again without signing in.
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#dashboard[data-updated-at]');
  expect(await figure(page, 'jobs_completed')).toBeGreaterThanOrEqual(rose!.completed);
  await page.close();
});

test('with a wrong key the dashboard shows an error and no data', async () => {
  const page = await openDashboard();
  const before = await visibleText(page);
  await signIn(page, 'sk-not-an-operator');

  // An error appears: new text on the page that says the key was refused.
  const refused = /not (?:a valid|an operator)|invalid|wrong|denied|refused|rejected|forbidden|unauthori[sz]ed/i;
  await page.waitForFunction(
    (previous: string, pattern: string) => {
      const text = (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText;
      const seen = new Set(previous.split('\n'));
      const added = text.split('\n').filter((line) => !seen.has(line));
      return added.some((line) => new RegExp(pattern, 'i').test(line));
    },
    {},
    before,
    refused.source,
  );
  await screenshot(page, 'dashboard-wrong-key');

  expect(await attributeOf(page, '#dashboard', 'data-updated-at')).toBeNull();
  for (const name of FIGURES) {
    for (const text of await textsOf(page, `[data-figure="${name}"]`)) expect(text).not.toMatch(/\d/);
  }
  // The data behind the page is refused to that key too, and served to the operator's.
  expect((await api(url, 'GET', '/v1/admin/dashboard/data', { key: 'sk-not-an-operator' })).status).toBe(403);
  expect((await api(url, 'GET', '/v1/admin/dashboard/data', { key: ADMIN_KEY })).status).toBe(200);
  await page.close();
});
