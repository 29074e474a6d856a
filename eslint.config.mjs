import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioLibraries = ['keyv', 'pino', 'pino-http', 'express', 'undici', 'openai', '@anthropic-ai/sdk', '@google/genai', 'yaml', 'zod'];
const nodeBuiltins = [
  'fs', 'path', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'dns', 'tls', 'stream', 'zlib', 'worker_threads', 'timers', 'process', 'events', 'util', 'url',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '*.js', '*.mjs', '*.cjs', 'test/helpers/*.js', 'bench/k6/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Workflow code is replayed: it must stay deterministic, so no I/O and no Node built-ins.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...ioLibraries, ...nodeBuiltins].map((name) => ({ name, message: 'Workflows must be deterministic: do I/O in activities/.' })),
          patterns: [
            { group: ['node:*'], message: 'Workflows must not import Node built-ins.' },
            { group: ['../src/*', '!../src/contract', '../activities/*'], message: 'Workflows import only their own files, the workflow API and the contract (src/contract).', allowTypeImports: true },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'No I/O in workflows.' }, { name: 'process', message: 'No process access in workflows.' }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
