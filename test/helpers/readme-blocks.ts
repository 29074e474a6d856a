/**
 * Reads README.md's fenced code blocks and sorts them into what the README example test runs, checks or
 * skips, each skip by a named rule, so an example that cannot run here is visible rather than ignored.
 */

/** One fenced block of the README. */
export interface ReadmeBlock {
  /** The info string after the opening fence (`sh`, `yaml`, `ts`…), empty when there is none. */
  lang: string;
  /** The block's text, without its fences. */
  text: string;
  /** 1-based line of the opening fence, for failure messages. */
  line: number;
  /** The HTML comment right before the block (e.g. `fragment`), if any. */
  marker: string | null;
  /** The `##`/`###` heading the block is under. */
  section: string;
}

/** What the example test does with a block. */
export type BlockPlan =
  | { kind: 'config'; block: ReadmeBlock }
  | { kind: 'yaml-syntax'; block: ReadmeBlock }
  | { kind: 'curl'; block: ReadmeBlock }
  | { kind: 'openai-sdk'; block: ReadmeBlock }
  | { kind: 'skipped'; block: ReadmeBlock; rule: SkipRule };

/** Every reason a block is not run, each one listed here rather than decided silently. */
export const SKIP_RULES = {
  text: 'a block without a language is a diagram, a banner or a layout, not an example to run',
  json: 'a ```json block shows the shape of a request or answer; the curl examples check real ones',
  'npm-script': 'npm install / npm start / npm test / npm run start whole processes the test harness already runs',
  openssl: 'generates a secret for an operator; nothing to check against the API',
  'temporal-cli': 'the temporal CLI reads a dev server the test harness does not expose on 127.0.0.1:7233',
  'workflow-snippet': 'a ```ts block of workflow code is a pattern inside workflows/, not a standalone program',
  'event-stream': 'a `curl -N` of an event stream never ends as one JSON answer; streaming.test.ts follows one',
  'sh-without-api': 'a ```sh block that calls no curl against 127.0.0.1:8080',
} as const;

export type SkipRule = keyof typeof SKIP_RULES;

/** An HTML comment before a ```yaml block that makes it checked for YAML syntax only. */
export const YAML_SYNTAX_ONLY_MARKERS = ['fragment', 'prometheus'] as const;

const FENCE = /^```(\S*)\s*$/;
const HEADING = /^#{2,3} (.+)$/;
const MARKER = /^<!--\s*(.+?)\s*-->$/;

/** Splits markdown into its fenced code blocks (no nesting: the README uses plain three-backtick fences). */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  let section = '';
  let previousNonBlank = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heading = HEADING.exec(line);
    if (heading) section = heading[1] ?? '';
    const fence = FENCE.exec(line);
    if (!fence) {
      if (line.trim() !== '') previousNonBlank = line.trim();
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: code block is never closed`);
    blocks.push({
      lang: fence[1] ?? '',
      text: body.join('\n'),
      line: start + 1,
      marker: MARKER.exec(previousNonBlank)?.[1] ?? null,
      section,
    });
    previousNonBlank = '';
  }
  return blocks;
}

/** Decides how one block is tested. */
export function planBlock(block: ReadmeBlock): BlockPlan {
  switch (block.lang) {
    case '':
    case 'text':
      return { kind: 'skipped', block, rule: 'text' };
    case 'json':
      return { kind: 'skipped', block, rule: 'json' };
    case 'yaml':
      return (YAML_SYNTAX_ONLY_MARKERS as readonly string[]).includes(block.marker ?? '')
        ? { kind: 'yaml-syntax', block }
        : { kind: 'config', block };
    case 'ts':
      return /from 'openai'/.test(block.text)
        ? { kind: 'openai-sdk', block }
        : { kind: 'skipped', block, rule: 'workflow-snippet' };
    case 'sh':
      // An event stream never ends as one JSON answer; test/integration/streaming.test.ts follows one.
      if (/\bcurl -N\b/.test(block.text)) return { kind: 'skipped', block, rule: 'event-stream' };
      if (/\bcurl\b[^\n]*127\.0\.0\.1:8080/.test(block.text)) return { kind: 'curl', block };
      if (/\bopenssl\b/.test(block.text)) return { kind: 'skipped', block, rule: 'openssl' };
      if (/\bnpm (install|start|test|run)\b/.test(block.text)) return { kind: 'skipped', block, rule: 'npm-script' };
      if (/^temporal /m.test(block.text)) return { kind: 'skipped', block, rule: 'temporal-cli' };
      return { kind: 'skipped', block, rule: 'sh-without-api' };
    default:
      throw new Error(`README.md:${block.line}: no rule for a \`\`\`${block.lang} block; add one to readme-blocks.ts`);
  }
}

/** One shell command of a curl block and the answer its `# →` comment promises. */
export interface CurlStep {
  command: string;
  /** The text after `# →`, or null when the README promises nothing for this command. */
  promise: string | null;
}

/**
 * Splits a curl block into commands (joining `\` continuations); a `# → …` comment after a command is
 * that command's promised answer. Other comments are prose.
 */
export function curlSteps(text: string): CurlStep[] {
  const steps: CurlStep[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const promise = /^#\s*→\s*(.*)$/.exec(line);
    if (promise) {
      const last = steps[steps.length - 1];
      if (last && last.promise === null) last.promise = promise[1] ?? '';
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (!line.endsWith('\\')) {
      steps.push({ command: pending, promise: null });
      pending = '';
    }
  }
  if (pending) steps.push({ command: pending, promise: null });
  return steps;
}

/** What a `# →` comment promises: an HTTP status, JSON members, a Location header. */
export interface Promised {
  status: number | null;
  /** `"key": value` pairs with literal values, in order; `…` inside a string matches any text. */
  members: Array<{ key: string; value: string | number | boolean | null }>;
  /** Keys whose value is an object or array in the promise (`"result":{…}`). */
  containers: string[];
  location: string | null;
}

/**
 * Reads a promise such as `202 {"id":"job_…","status":"running",…}   Location: /v1/jobs/job_…`. The JSON is
 * abbreviated with `…`, so it is read member by member rather than parsed.
 */
export function parsePromise(text: string): Promised {
  const status = /^(\d{3})\b/.exec(text);
  const location = /Location:\s*(\S+)/.exec(text);
  const members: Promised['members'] = [];
  const containers: string[] = [];
  for (const match of text.matchAll(
    /"([A-Za-z_][\w]*)"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:e-?\d+)?|true|false|null|[{[])/g,
  )) {
    const key = match[1] ?? '';
    const raw = match[2] ?? '';
    if (raw === '{' || raw === '[') containers.push(key);
    else members.push({ key, value: JSON.parse(raw) as string | number | boolean | null });
  }
  return { status: status ? Number(status[1]) : null, members, containers, location: location?.[1] ?? null };
}

/** Finds every value stored under `key` anywhere in a JSON value. */
function valuesOf(json: unknown, key: string): unknown[] {
  if (Array.isArray(json)) return json.flatMap((item) => valuesOf(item, key));
  if (typeof json !== 'object' || json === null) return [];
  const found: unknown[] = [];
  for (const [k, v] of Object.entries(json)) {
    if (k === key) found.push(v);
    found.push(...valuesOf(v, key));
  }
  return found;
}

/** True when `actual` fits a promised string: `…` stands for any text, and a date for any date. */
function stringFits(promised: string, actual: unknown): boolean {
  if (typeof actual !== 'string') return false;
  if (/^\d{4}-\d{2}-\d{2}$/.test(promised)) return /^\d{4}-\d{2}-\d{2}$/.test(actual);
  const pattern = promised
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`, 's').test(actual);
}

/**
 * The ways an answer breaks its promise, empty when it keeps it. Numbers are examples (costs, token counts):
 * only their type is checked; strings, booleans and null must match.
 */
export function promiseBreaches(
  promise: Promised,
  answer: { status: number; body: unknown; location: string | null },
): string[] {
  const breaches: string[] = [];
  if (promise.status !== null && answer.status !== promise.status) {
    breaches.push(`status ${answer.status}, promised ${promise.status}`);
  }
  if (promise.status === null && (answer.status < 200 || answer.status > 299)) {
    breaches.push(`status ${answer.status}, promised a success`);
  }
  for (const { key, value } of promise.members) {
    // A top-level member is checked there, so a nested `status` cannot stand in for the job's own.
    const top = answer.body;
    const actual =
      typeof top === 'object' && top !== null && !Array.isArray(top) && key in top
        ? [(top as Record<string, unknown>)[key]]
        : valuesOf(top, key);
    const fits = actual.some((v) =>
      typeof value === 'string'
        ? stringFits(value, v)
        : typeof value === 'number'
          ? typeof v === 'number'
          : v === value,
    );
    if (!fits) breaches.push(`"${key}": ${JSON.stringify(actual)} does not fit ${JSON.stringify(value)}`);
  }
  for (const key of promise.containers) {
    if (!valuesOf(answer.body, key).some((v) => typeof v === 'object' && v !== null)) {
      breaches.push(`"${key}" is missing or not an object`);
    }
  }
  if (promise.location !== null && (answer.location === null || !stringFits(promise.location, answer.location))) {
    breaches.push(`Location ${answer.location ?? '(none)'}, promised ${promise.location}`);
  }
  return breaches;
}
