// Starts the longest test files first, so two jest workers finish together instead of one running a
// three-minute file alone at the end. Jest orders by the durations it cached in earlier runs; a fresh
// clone (CI) has none, so the files known to take longest go first, slowest first.
const Sequencer = require('@jest/test-sequencer').default;

const SLOWEST_FIRST = [
  'integration/fleet.test.ts',
  'integration/launcher-supervision.test.ts',
  'integration/key-pools.test.ts',
  'integration/settle-outage.test.ts',
  'integration/chaos.test.ts',
  'integration/conservation.test.ts',
  'integration/fuzz.test.ts',
  'integration/call-journal.test.ts',
  'integration/circuit-breaker.test.ts',
  'integration/coalescing.test.ts',
  'integration/npm-start.test.ts',
];

function rank(path) {
  const index = SLOWEST_FIRST.findIndex((suffix) => path.replaceAll('\\', '/').endsWith(suffix));
  return index === -1 ? SLOWEST_FIRST.length : index;
}

class SlowestFirstSequencer extends Sequencer {
  sort(tests) {
    const known = tests.filter((test) => rank(test.path) < SLOWEST_FIRST.length);
    const rest = tests.filter((test) => rank(test.path) === SLOWEST_FIRST.length);
    known.sort((a, b) => rank(a.path) - rank(b.path));
    return [...known, ...super.sort(rest)];
  }
}

module.exports = SlowestFirstSequencer;
