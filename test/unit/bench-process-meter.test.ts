import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { cpuMs, treeCpuMs } from '../../bench/lib/proc';
import { listenersOn, portOf, serversOf } from '../../bench/lib/socket-owners';

/** Burns `ms` of its own CPU, prints how much it used in total, then exits or (with `stay`) waits. */
const BURN = `
const until = Number(process.argv[1]) * 1000;
while (process.cpuUsage().user < until) {}
const used = process.cpuUsage();
console.log(String((used.user + used.system) / 1000));
if (process.argv[2] !== 'stay') process.exit(0);
setInterval(() => {}, 1000);
`;

/** Starts the burner; resolves with the process and the CPU ms it reports once it has burned. */
async function burner(ms: number, stay: boolean): Promise<{ child: ChildProcess; usedMs: number }> {
  const child = spawn(process.execPath, ['-e', BURN, String(ms), stay ? 'stay' : 'exit'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { child, usedMs: Number(line.toString().trim()) };
}

/** The kernel counts CPU in ticks of 10 ms; a process's own view may differ from it by a tick or two. */
const TICKS_SLACK_MS = 30;

describe('bench CPU meter of a process tree', () => {
  it('counts the CPU of a child that is still running', async () => {
    const before = treeCpuMs(process.pid);
    const { child, usedMs } = await burner(300, true);
    try {
      expect(treeCpuMs(process.pid) - before).toBeGreaterThanOrEqual(usedMs - TICKS_SLACK_MS);
      // The process's own figure does not include its children.
      expect(cpuMs(process.pid)).toBeLessThan(treeCpuMs(process.pid));
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });

  it('keeps counting the CPU of a child after it has exited and been reaped', async () => {
    const before = treeCpuMs(process.pid);
    const { child, usedMs } = await burner(300, false);
    if (child.exitCode === null) await once(child, 'exit');
    expect(treeCpuMs(process.pid) - before).toBeGreaterThanOrEqual(usedMs - TICKS_SLACK_MS);
  });

  it('answers NaN for a process that has gone', async () => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await once(child, 'exit');
    expect(treeCpuMs(child.pid!)).toBeNaN();
    expect(cpuMs(child.pid!)).toBeNaN();
  });
});

describe('bench socket owners', () => {
  it('finds the process listening on a port and the servers a process is connected to', async () => {
    const server = createServer((socket) => socket.on('error', () => undefined));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = spawn(
      process.execPath,
      [
        '-e',
        `require('net').connect(${port}, '127.0.0.1', () => console.log('connected')); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await once(client.stdout, 'data');
      expect(listenersOn(port)).toEqual([process.pid]);
      expect(serversOf(client.pid!)).toContain(process.pid);
      expect(serversOf(process.pid)).not.toContain(client.pid);
    } finally {
      client.kill('SIGKILL');
      await once(client, 'exit');
      server.close();
    }
  });

  it('reads the port of an address or a URL', () => {
    expect(portOf('127.0.0.1:57233')).toBe(57233);
    expect(portOf('redis://127.0.0.1:56379')).toBe(56379);
    expect(portOf('redis://127.0.0.1:56379/0')).toBe(56379);
    expect(() => portOf('localhost')).toThrow(/no port/);
  });
});
