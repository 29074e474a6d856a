import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, resolveTargets } from '../../src/config';
import { configProblems } from '../helpers/config-problems';

function withConfig(contents: string): Record<string, string> {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-config-')), 'switchyard.yaml');
  writeFileSync(path, contents);
  return { SWITCHYARD_CONFIG: path };
}

const problemsOf = configProblems;

describe('key pool configuration', () => {
  test('a provider lists several keys with weights and per-key limits; targets carry the first alias', () => {
    const config = loadConfig(
      withConfig(`
providers:
  openai:
    type: openai
    keys:
      - { alias: main, env: OPENAI_KEY_MAIN, requestsPerMinute: 500, tokensPerMinute: 200000 }
      - { alias: spare, env: OPENAI_KEY_SPARE, weight: 0.5, quotaCooldownSeconds: 3600 }
`),
    );
    expect(config.providers.openai?.keys).toEqual([
      { alias: 'main', env: 'OPENAI_KEY_MAIN', weight: 1, requestsPerMinute: 500, tokensPerMinute: 200_000 },
      { alias: 'spare', env: 'OPENAI_KEY_SPARE', weight: 0.5, quotaCooldownSeconds: 3_600 },
    ]);
    expect(resolveTargets(config, 'gpt-4o-mini')[0]?.keyAlias).toBe('main');
  });

  test('a weight of 0 and a fractional limit are rejected, naming the field', () => {
    const problems = problemsOf(
      withConfig(`
providers:
  openai:
    type: openai
    keys:
      - { alias: main, env: OPENAI_KEY_A, weight: 0 }
      - { alias: other, env: OPENAI_KEY_B, requestsPerMinute: 1.5 }
`),
    );
    expect(problems).toEqual([
      expect.stringMatching(/providers\.openai\.keys\.0\.weight: a weight must be greater than 0/),
      expect.stringMatching(/providers\.openai\.keys\.1\.requestsPerMinute: /),
    ]);
  });

  test('aliases and secrets must be distinct within a pool', () => {
    const problems = problemsOf(
      withConfig(`
providers:
  openai:
    type: openai
    keys:
      - { alias: main, env: OPENAI_KEY_A }
      - { alias: main, env: OPENAI_KEY_B }
      - { alias: other, env: OPENAI_KEY_A }
`),
    );
    expect(problems).toEqual([
      expect.stringMatching(/providers\.openai\.keys\.1\.alias: alias "main" is listed twice/),
      expect.stringMatching(/providers\.openai\.keys\.2\.env: OPENAI_KEY_A is already the key "main"/),
    ]);
  });
});
