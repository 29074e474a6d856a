/**
 * Finds processes by the TCP sockets they hold (Linux /proc), for engines whose starter hands out addresses
 * rather than pids: the process listening on a port, and the servers a process is connected to.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** TCP states in /proc/net/tcp, in hex. */
const LISTEN = '0A';
const ESTABLISHED = '01';

interface TcpSocket {
  localPort: number;
  remotePort: number;
  state: string;
  inode: number;
}

/** Every TCP socket (IPv4 and IPv6) of this network namespace. */
function tcpSockets(): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
      const fields = line.trim().split(/\s+/);
      const [local, remote, state, inode] = [fields[1], fields[2], fields[3], fields[9]];
      if (local === undefined || remote === undefined || state === undefined || inode === undefined) continue;
      sockets.push({
        localPort: parseInt(local.split(':')[1] ?? '', 16),
        remotePort: parseInt(remote.split(':')[1] ?? '', 16),
        state,
        inode: Number(inode),
      });
    }
  }
  return sockets;
}

/** The socket inodes a process holds open. */
function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(Number(match[1]));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Pids of every process now running. */
function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** Processes holding any of the given socket inodes. */
function ownersOf(inodes: ReadonlySet<number>): number[] {
  if (inodes.size === 0) return [];
  return allPids().filter((pid) => [...socketInodes(pid)].some((inode) => inodes.has(inode)));
}

/** A process's command name (`/proc/<pid>/comm`); undefined once it has gone. */
export function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** A process's parent; undefined once it has gone. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** The processes listening on TCP `port` (several when they share the socket), lowest pid first. */
export function listenersOn(port: number): number[] {
  const inodes = new Set(
    tcpSockets()
      .filter((socket) => socket.state === LISTEN && socket.localPort === port)
      .map((socket) => socket.inode),
  );
  return ownersOf(inodes).sort((a, b) => a - b);
}

/** The processes listening on the ports `pid` has open TCP connections to. */
export function serversOf(pid: number): number[] {
  const sockets = tcpSockets();
  const own = socketInodes(pid);
  const ports = new Set(
    sockets
      .filter((socket) => socket.state === ESTABLISHED && own.has(socket.inode))
      .map((socket) => socket.remotePort),
  );
  const listening = new Set(
    sockets.filter((socket) => socket.state === LISTEN && ports.has(socket.localPort)).map((socket) => socket.inode),
  );
  return ownersOf(listening).filter((owner) => owner !== pid);
}

/** The topmost ancestor of `pid` (itself included) whose command name is `name`. */
export function topmostNamed(pid: number, name: string): number {
  let top = pid;
  for (let parent = parentPid(top); parent !== undefined && parent > 1; parent = parentPid(parent)) {
    if (commandName(parent) !== name) break;
    top = parent;
  }
  return top;
}

/** The port of a `host:port` address or a URL such as `redis://127.0.0.1:6379`. */
export function portOf(address: string): number {
  const port = address.includes('://') ? Number(new URL(address).port) : Number(/:(\d+)$/.exec(address)?.[1]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no port in address "${address}"`);
  return port;
}
