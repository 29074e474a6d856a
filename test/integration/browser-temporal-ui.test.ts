import type { Browser, Page } from 'puppeteer-core';
import { attributesOf, launchBrowser, openPage, screenshot, textsOf } from '../helpers/browser';
import { chatBody, startHarness, tenant, tenantKey, type Harness } from '../helpers/harness';
import { api } from '../helpers/http';

// Headless Chromium drives the Temporal Web UI of the harness's own dev server: what an operator sees when they
// look jobs up there by Switchyard's search attributes.

/** A row of the UI's workflow table. */
const ROW = 'tr[data-testid="workflows-summary-configurable-table-row"]';
/** How long the UI may take to list a job that has closed (visibility lags a few hundred ms behind). */
const VISIBILITY_DEADLINE_MS = 20_000;

let harness: Harness;
let browser: Browser;
let page: Page;
let apiUrl: string;
let uiUrl: string;

interface Jobs {
  completed: string[];
  failed: string[];
}
const jobs: Record<'alpha' | 'bravo', Jobs> = {
  alpha: { completed: [], failed: [] },
  bravo: { completed: [], failed: [] },
};

/** Submits a job as `tenantId` and returns its id once it has ended with `status`. */
async function runJob(tenantId: string, text: string, status: 'completed' | 'failed'): Promise<string> {
  const key = tenantKey(tenantId);
  const submitted = await api(apiUrl, 'POST', '/v1/jobs', { body: chatBody(text), key });
  expect(submitted.status).toBe(202);
  const id = submitted.body.id as string;
  const done = await api(apiUrl, 'GET', `/v1/jobs/${id}?wait=30`, { key });
  expect(done.body).toMatchObject({ id, status });
  return id;
}

/** The ids of the jobs (workflows) the UI's table lists, from the links of its rows. */
async function listedIds(): Promise<string[]> {
  const ids = new Set<string>();
  for (const href of await attributesOf(page, `${ROW} a[href]`, 'href')) {
    const id = /\/workflows\/([^/?]+)\//.exec(href ?? '')?.[1];
    if (id) ids.add(decodeURIComponent(id));
  }
  return [...ids].sort();
}

/**
 * Opens the UI's workflow list filtered by `query` and returns the job ids it lists, reloading until they are
 * `expected` or the visibility deadline passes (then the last list is returned, for the assertion to show).
 */
async function listUntil(query: string, expected: string[]): Promise<string[]> {
  const target = `${uiUrl}/namespaces/${harness.config.temporal.namespace}/workflows?query=${encodeURIComponent(query)}`;
  const want = [...expected].sort();
  const deadline = Date.now() + VISIBILITY_DEADLINE_MS;
  for (;;) {
    await page.goto(target, { waitUntil: 'domcontentloaded' });
    // The table has loaded when it shows a row, or says that nothing matched.
    await page.waitForFunction(
      `document.querySelector('${ROW} a[href]') !== null || document.body.innerText.includes('No Results')`,
    );
    const ids = await listedIds();
    if (JSON.stringify(ids) === JSON.stringify(want) || Date.now() > deadline) return ids;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

beforeAll(async () => {
  [harness, browser] = await Promise.all([
    startHarness({
      api: true,
      ownDevServer: true,
      config: { tenants: { alpha: tenant('alpha'), bravo: tenant('bravo') } },
    }),
    launchBrowser(),
  ]);
  apiUrl = harness.api!.url;
  uiUrl = `http://127.0.0.1:${harness.uiPort!}`;
  page = await openPage(browser);

  // Both tenants get completed and failed jobs, so a query that ignored either attribute would list too many.
  const plan: [tenantId: 'alpha' | 'bravo', status: 'completed' | 'failed', count: number][] = [
    ['alpha', 'completed', 3],
    ['alpha', 'failed', 2],
    ['bravo', 'completed', 2],
    ['bravo', 'failed', 2],
  ];
  await Promise.all(
    plan.flatMap(([tenantId, status, count]) =>
      Array.from({ length: count }, async (_, n) => {
        const text =
          status === 'failed'
            ? `UI check ${tenantId} ${n}: refuse this [[mock:content-policy]]`
            : `UI check ${tenantId} ${n}: answer this`;
        jobs[tenantId][status].push(await runJob(tenantId, text, status));
      }),
    ),
  );
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

test("the Temporal UI's workflow list, filtered on SwitchyardTenant and SwitchyardStatus, shows exactly that tenant's jobs of that status", async () => {
  const failedOfAlpha = await listUntil('SwitchyardTenant="alpha" AND SwitchyardStatus="failed"', jobs.alpha.failed);
  await screenshot(page, 'temporal-ui-alpha-failed');
  expect(failedOfAlpha).toEqual([...jobs.alpha.failed].sort());
  expect(failedOfAlpha).toHaveLength(2);

  const completedOfBravo = await listUntil(
    'SwitchyardTenant="bravo" AND SwitchyardStatus="completed"',
    jobs.bravo.completed,
  );
  await screenshot(page, 'temporal-ui-bravo-completed');
  expect(completedOfBravo).toEqual([...jobs.bravo.completed].sort());
  expect(completedOfBravo).toHaveLength(2);
});

test("a job's page in the Temporal UI shows its tenant and status search attributes", async () => {
  const id = jobs.alpha.failed[0]!;
  await page.goto(`${uiUrl}/namespaces/${harness.config.temporal.namespace}/workflows/${id}`, {
    waitUntil: 'domcontentloaded',
  });
  await page.waitForSelector('[data-testid="search-attributes-tab"]');
  await page.click('[data-testid="search-attributes-tab"]');
  // The tab renders the execution's search attributes as a read-only JSON document.
  const json = '[role="textbox"][data-language="json"]';
  await page.waitForFunction(
    `[...document.querySelectorAll('${json}')].some((element) => element.textContent.includes('SwitchyardTenant'))`,
  );
  await screenshot(page, 'temporal-ui-job-search-attributes');
  const documents = (await textsOf(page, json)).filter((text) => text.includes('SwitchyardTenant'));
  expect(documents).toHaveLength(1);
  const parsed = JSON.parse(documents[0]!) as { indexedFields?: Record<string, unknown> };
  expect(parsed.indexedFields).toMatchObject({ SwitchyardTenant: 'alpha', SwitchyardStatus: 'failed' });
  expect(page.url()).toContain(`/workflows/${id}/`);
});

test('a bulk replay of a tenant’s failed jobs links each replay to its original, as the Temporal UI shows', async () => {
  const key = tenantKey('alpha');
  const body = { filter: { status: 'failed' } };
  // The snapshot reads visibility: wait until both failed jobs are listed there.
  const deadline = Date.now() + VISIBILITY_DEADLINE_MS;
  while (
    (await api(apiUrl, 'POST', '/v1/jobs/replays', { key, body: { ...body, dry_run: true } })).body.matched !== 2
  ) {
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const started = await api(apiUrl, 'POST', '/v1/jobs/replays', { key, body });
  expect(started.status).toBe(202);
  let bulk = await api(apiUrl, 'GET', `/v1/jobs/${started.body.id}`, { key });
  while (bulk.body.status === 'running') {
    expect(Date.now()).toBeLessThan(deadline + 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    bulk = await api(apiUrl, 'GET', `/v1/jobs/${started.body.id}`, { key });
  }
  expect(bulk.body.status).toBe('completed');
  const replayed = bulk.body.report.replayed as Array<{ job_id: string; replay_id: string }>;
  expect(replayed.map((r) => r.job_id).sort()).toEqual([...jobs.alpha.failed].sort());
  for (const { job_id, replay_id } of replayed) {
    expect(await listUntil(`SwitchyardReplayOf="${job_id}"`, [replay_id])).toEqual([replay_id]);
  }
  await screenshot(page, 'temporal-ui-replay-of-job');
});
