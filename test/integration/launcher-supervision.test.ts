import { api, type JsonResponse } from '../helpers/http';
import { workflowDiagnosis } from '../helpers/workflow-diagnosis';
import {
  eventually,
  isAlive,
  launcherChild,
  launcherEnv,
  launcherExit,
  launcherPorts,
  launcherProcesses,
  refusesConnections,
  spawnLauncher,
  untilPrinted,
  type Launcher,
} from '../helpers/launcher-process';

const KEY = 'sk-switchyard-dev';
let launcher: Launcher;

beforeAll(async () => {
  const ports = await launcherPorts();
  // Each call takes a while at the mock, so calls are in flight when a part is killed.
  // Info logs: the worker's one line per provider call shows which calls were answered during a stop.
  launcher = spawnLauncher(ports, launcherEnv(ports, { MOCK_PROVIDER_LATENCY_MS: '1500', LOG_LEVEL: 'info' }));
  await untilPrinted(launcher, 'Switchyard is running');
}, 150_000);

afterAll(async () => {
  // Only reached with the launcher still up when a test failed before stopping it.
  if (launcher && launcher.process.exitCode === null && launcher.process.signalCode === null) {
    for (const row of launcherProcesses(launcher)) process.kill(row.pid, 'SIGKILL');
    launcher.process.kill('SIGKILL');
    await launcherExit(launcher);
  }
});

const apiUrl = () => `http://127.0.0.1:${launcher.ports.api}`;

interface MockStats {
  total: number;
  byStatus: Record<string, number>;
  abortedConnections: number;
}

async function mockStats(): Promise<MockStats> {
  const response = await fetch(`http://127.0.0.1:${launcher.ports.mock}/_mock/stats`);
  return (await response.json()) as MockStats;
}

/** Provider requests received (in flight or answered). */
async function providerCalls(): Promise<number> {
  return (await mockStats()).total;
}

/** Provider calls answered successfully: the ones a provider bills. */
async function paidCalls(): Promise<number> {
  return (await mockStats()).byStatus['200'] ?? 0;
}

const JOBS = 200;

async function submitJobs(count: number, label: string): Promise<string[]> {
  const responses: JsonResponse[] = [];
  // In batches, as a client with a connection pool would send them: all are in flight together at the mock,
  // since each call takes a while there.
  for (let start = 0; start < count; start += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, count - start) }, (_, j) =>
        api(apiUrl(), 'POST', '/v1/jobs', {
          key: KEY,
          // Distinct prompts: every job is its own provider call (no cache hit, no coalescing).
          body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${label} job ${start + j}` }] },
        }),
      ),
    );
    responses.push(...batch);
  }
  for (const response of responses) expect(response.status).toBe(202);
  return responses.map((response) => response.body.id as string);
}

/** The job's final view; a 503 while Temporal restarts is asked again. */
async function finished(id: string): Promise<JsonResponse> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    const view = await api(apiUrl(), 'GET', `/v1/jobs/${id}?wait=20`, { key: KEY });
    if (view.status === 200 && view.body.status !== 'running') return view;
    if (Date.now() > deadline) {
      const diagnosis = await workflowDiagnosis(`127.0.0.1:${launcher.ports.temporal}`, id);
      throw new Error(`job ${id} did not finish: ${JSON.stringify(view.body)}\n${diagnosis}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('a second launcher while one runs exits non-zero with a message naming the taken port', async () => {
  const second = spawnLauncher(launcher.ports, launcherEnv(launcher.ports));
  expect(await launcherExit(second)).toBe(1);
  expect(second.output()).toContain(`Port ${launcher.ports.api}`);
  expect(second.output()).toContain('PORT');
  expect(second.output()).not.toContain('Switchyard is running');
}, 60_000);

test(`when the Temporal server is killed with SIGKILL with ${JOBS} jobs in flight, the launcher restarts it and every job completes with one provider call each`, async () => {
  const callsBefore = await providerCalls();
  const paidBefore = await paidCalls();
  const ids = await submitJobs(JOBS, 'temporal-crash');
  await eventually('calls in flight at the mock', async () => (await providerCalls()) > callsBefore, 30_000);

  const temporal = launcherChild(launcher, `--port ${launcher.ports.temporal}`);
  process.kill(temporal.pid, 'SIGKILL');
  await untilPrinted(launcher, 'temporal exited (SIGKILL); restarting', 10_000);
  await eventually(
    'a new Temporal server',
    () =>
      launcherProcesses(launcher).some(
        (row) => row.args.includes(`--port ${launcher.ports.temporal}`) && row.pid !== temporal.pid,
      ),
    10_000,
  );

  const views = await Promise.all(ids.map(finished));
  expect(views.map((view) => view.body.status)).toEqual(ids.map(() => 'completed'));
  // An answer whose completion Temporal never recorded is not asked for again: the retry finds it journaled.
  console.log(`launcher, Temporal killed: ${ids.length} jobs, ${(await paidCalls()) - paidBefore} paid provider calls`);
  expect((await providerCalls()) - callsBefore).toBe(ids.length);
  expect((await paidCalls()) - paidBefore).toBe(ids.length);
}, 240_000);

test(`when the worker is killed with SIGKILL with ${JOBS} jobs in flight, the launcher restarts it and every job completes, each paid once`, async () => {
  const outputBefore = launcher.output().length;
  const callsBefore = await providerCalls();
  const paidBefore = await paidCalls();
  const ids = await submitJobs(JOBS, 'worker-crash');
  await eventually('calls in flight at the mock', async () => (await providerCalls()) > callsBefore, 30_000);

  const worker = launcherChild(launcher, 'worker/main');
  const killedAt = Date.now();
  process.kill(worker.pid, 'SIGKILL');
  await untilPrinted(launcher, 'worker exited (SIGKILL); restarting', 10_000);

  const views = await Promise.all(ids.map(finished));
  expect(views.map((view) => view.body.status)).toEqual(ids.map(() => 'completed'));
  expect(launcherChild(launcher, 'worker/main').pid).not.toBe(worker.pid);
  console.log(`launcher, worker killed: ${ids.length} jobs, ${(await paidCalls()) - paidBefore} paid provider calls`);

  // Calls cut off by the kill were never answered (the mock saw the connection close) and were made again;
  // answered calls that the dead worker had journaled were not. Only an answer the worker had not journaled
  // when it died is paid twice: no part of Switchyard ever learned of that call. Each job's prompt is its own,
  // so the mock's log tells which job's call was paid twice, and the dead worker's log which it had journaled.
  const answers = await answersByPrompt('worker-crash job ');
  const journaled = journaledBeforeRestart(launcher.output().slice(outputBefore));
  const twice = ids.filter((_, i) => (answers.get(`worker-crash job ${i}`)?.length ?? 0) > 1);
  console.log(
    `launcher, worker killed: ${journaled.size} answers journaled by the killed worker; paid twice: ${twice.length}`,
  );
  ids.forEach((id, i) => {
    const paid = answers.get(`worker-crash job ${i}`) ?? [];
    expect({ id, paid: paid.length }).toEqual({ id, paid: paid.length === 2 ? 2 : 1 });
    if (paid.length === 2) {
      expect({ id, journaled: journaled.has(id) }).toEqual({ id, journaled: false });
      // Answered before the worker died (the kernel closes its sockets a moment after the signal).
      expect(paid[0]!).toBeLessThanOrEqual(killedAt + 500);
    }
  });
  expect((await paidCalls()) - paidBefore).toBe(ids.length + twice.length);
}, 240_000);

/** When the mock answered each prompt starting with `prefix`, by prompt, oldest first. */
async function answersByPrompt(prefix: string): Promise<Map<string, number[]>> {
  const response = await fetch(`http://127.0.0.1:${launcher.ports.mock}/_mock/calls`);
  const log = (await response.json()) as { calls: Array<{ at: number; promptHead: string }>; dropped: number };
  expect(log.dropped).toBe(0);
  const answers = new Map<string, number[]>();
  for (const call of log.calls.filter((c) => c.promptHead.startsWith(prefix))) {
    answers.set(call.promptHead, [...(answers.get(call.promptHead) ?? []), call.at]);
  }
  return answers;
}

/**
 * The jobs whose provider answer the worker journaled before it was killed: the worker logs "provider call" once
 * the answer is journaled, and everything it logged comes before the restarted worker's "worker started".
 */
function journaledBeforeRestart(output: string): Set<string> {
  const jobs = new Set<string>();
  const lines = output.split('\n').filter((line) => line.startsWith('[worker] {'));
  for (const line of lines) {
    let entry: { msg?: string; jobId?: string; status?: string };
    try {
      entry = JSON.parse(line.slice('[worker] '.length)) as typeof entry;
    } catch {
      continue; // the killed worker's last line, cut off mid-write
    }
    if (entry.msg === 'worker started') break;
    if (entry.msg === 'provider call' && entry.status === 'ok' && entry.jobId) jobs.add(entry.jobId);
  }
  return jobs;
}

test('SIGTERM to the launcher lets in-flight calls finish, stops every part, leaves no process behind and frees every port', async () => {
  const parts = launcherProcesses(launcher);
  for (const fragment of ['temporal', 'mock-provider/main', 'worker/main', 'api/main']) {
    expect(parts.some((row) => row.args.includes(fragment))).toBe(true);
  }
  const before = await mockStats();
  const ids = await submitJobs(5, 'stopping');
  await eventually('calls in flight at the mock', async () => (await mockStats()).total === before.total + 5, 30_000);

  launcher.process.kill('SIGTERM');
  expect(await launcherExit(launcher)).toBe(0);
  // The worker is stopped before the mock and drains first: each call in flight got its answer.
  const answered = launcher
    .output()
    .split('\n')
    .filter((line) => line.includes('provider call') && line.includes('"status":"ok"'));
  for (const id of ids) expect(answered.some((line) => line.includes(id))).toBe(true);
  expect(launcher.output()).toContain('Stopping Switchyard');
  // The last members of a killed group are reaped a moment after the launcher has exited.
  await eventually('every part to be gone', () => parts.every((row) => !isAlive(row.pid)), 5_000);
  const { api: apiPort, temporal, ui, mock } = launcher.ports;
  const refused = await Promise.all([apiPort, temporal, ui, mock].map(refusesConnections));
  expect(refused).toEqual([true, true, true, true]);
}, 60_000);
