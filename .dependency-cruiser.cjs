/**
 * The layers of Switchyard and which may import which; `npm run check` fails on any break.
 * contract ← config, stores, codec, telemetry ← activities ← worker;  contract ← workflows;  api → contract, config, stores.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import loop makes modules depend on their load order; break it through src/contract.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'contract-is-plain',
      severity: 'error',
      comment: 'The contract is shared by every layer: plain data, names and Temporal common types only.',
      from: { path: '^src/contract/' },
      to: {
        path: '^(src/(?!contract/)|activities/|workflows/)|node_modules/@temporalio/(workflow|activity|worker|client)/',
      },
    },
    {
      name: 'config-stands-alone',
      severity: 'error',
      comment:
        'Config is loaded before anything is opened: it must not import stores, workflows, activities or the api.',
      from: { path: '^src/config/' },
      to: { path: '^(src/(stores|api|worker|dev)/|activities/|workflows/)' },
    },
    {
      name: 'stores-stand-alone',
      severity: 'error',
      comment: 'Stores own their settings: they must not import config, workflows, activities or the api.',
      from: { path: '^src/stores/' },
      to: { path: '^(src/(config|api|worker|dev)/|activities/|workflows/)' },
    },
    {
      name: 'workflows-are-deterministic',
      severity: 'error',
      comment: 'Workflows import only their own files, the contract and the workflow SDK.',
      from: { path: '^workflows/' },
      to: { path: '^(src/(?!contract/)|activities/)' },
    },
    {
      name: 'activities-address-workflows-by-name',
      severity: 'error',
      comment: 'Activities start workflows by the names in the contract, never by importing workflow code.',
      from: { path: '^activities/' },
      to: { path: '^(workflows/|src/(api|worker|dev)/)' },
    },
    {
      name: 'api-addresses-workflows-by-name',
      severity: 'error',
      comment: 'The API starts and queries workflows by the names in the contract, and never runs activities.',
      from: { path: '^src/api/' },
      to: { path: '^(workflows/|activities/|src/(worker|dev)/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules|test|bench)/' },
  },
};
