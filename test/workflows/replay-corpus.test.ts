import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/harness';

/**
 * Histories recorded from earlier releases (test/histories/<release>/, by test/histories/record-histories.ts):
 * jobs and flights of every branch that may still be running when a new build is deployed. Today's workflow
 * code must replay each of them without non-determinism, or the deploy would break those jobs.
 */
const CORPUS = join(__dirname, '../histories');

function recordedHistories(): Array<{ workflowId: string; path: string }> {
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((release) =>
      readdirSync(join(CORPUS, release.name))
        .filter((file) => file.endsWith('.binpb'))
        .map((file) => ({ workflowId: `${release.name}/${file}`, path: join(CORPUS, release.name, file) })),
    );
}

test('histories recorded from earlier releases replay against the current workflow code', async () => {
  const recorded = recordedHistories();
  expect(recorded.length).toBeGreaterThanOrEqual(20);
  const histories = recorded.map(({ workflowId, path }) => ({
    workflowId,
    history: temporal.api.history.v1.History.decode(readFileSync(path)),
  }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(recorded.length);
}, 120_000);
