import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const REPO = resolve(__dirname, '../..');

/** Where browser checks save their screenshots (ignored by git). */
export const SCREENSHOT_DIR = join(REPO, 'test-results', 'screenshots');

/**
 * How long a page may take to load or an element to appear. Generous: Chromium, the Temporal dev server, the API
 * and a worker share two cores with the other test files.
 */
export const PAGE_TIMEOUT_MS = 30_000;

let executable: string | undefined;

/**
 * The Chromium to drive: PUPPETEER_EXECUTABLE_PATH when set, else the last line of scripts/install-chromium.sh
 * (which installs Debian's package when it is missing). puppeteer-core never downloads a browser of its own.
 */
export function chromiumPath(): string {
  if (executable) return executable;
  const fromEnv = process.env.PUPPETEER_EXECUTABLE_PATH;
  if (fromEnv) return (executable = fromEnv);
  const output = execFileSync('bash', [join(REPO, 'scripts/install-chromium.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const path = output.trim().split('\n').pop()?.trim();
  if (!path) throw new Error('scripts/install-chromium.sh printed no Chromium path');
  return (executable = path);
}

/** Starts headless Chromium (no sandbox: test machines and containers often run as root). */
export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    // /dev/shm is small in containers; without the flag, Chromium's renderer can crash on a large page.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
    protocolTimeout: PAGE_TIMEOUT_MS * 2,
  });
}

/** A new tab (with its own sessionStorage) sized like a laptop screen, with {@link PAGE_TIMEOUT_MS} timeouts. */
export async function openPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
  await page.setViewport({ width: 1400, height: 900 });
  return page;
}

/** Saves a full-page screenshot as `test-results/screenshots/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * The little of the DOM that page functions here touch. Tests compile without TypeScript's DOM library (they run
 * in Node), so the shapes are declared instead; the functions themselves run in the page.
 */
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
}

/** The text of every element matching `selector`, in document order (trimmed). */
export function textsOf(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (elements) =>
    (elements as unknown as PageElement[]).map((element) => (element.textContent ?? '').trim()),
  );
}

/** Attribute `name` of every element matching `selector`, in document order (null where it is absent). */
export function attributesOf(page: Page, selector: string, name: string): Promise<(string | null)[]> {
  return page.$$eval(
    selector,
    (elements, attribute) => (elements as unknown as PageElement[]).map((element) => element.getAttribute(attribute)),
    name,
  );
}

/** Attribute `name` of the first element matching `selector`; null when there is no such element or attribute. */
export async function attributeOf(page: Page, selector: string, name: string): Promise<string | null> {
  return (await attributesOf(page, selector, name))[0] ?? null;
}

/** The page's visible text (`document.body.innerText`). */
export async function visibleText(page: Page): Promise<string> {
  const text: unknown = await page.evaluate('document.body ? document.body.innerText : ""');
  return typeof text === 'string' ? text : '';
}
