import { readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Named process ids whose cost a scenario reports (the Temporal server, the API, the worker…). */
export type Pids = Record<string, number>;

/** The fields of /proc/<pid>/stat after the command name (field 3, `state`, first); undefined once it has gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in ms; NaN once it has gone. */
export function cpuMs(pid: number): number {
  const fields = statFields(pid);
  if (fields === undefined) return NaN;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** The parent of every process now running, by pid. */
function parents(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (Number.isInteger(ppid)) byPid.set(Number(entry), ppid);
  }
  return byPid;
}

/**
 * CPU time (user + system) of a process and all its descendants so far, in ms; NaN once the process has gone.
 * Descendants that have exited count too, once their parent has reaped them (the kernel adds their time to
 * the parent's `cutime`/`cstime`): a PostgreSQL postmaster's connection backends come and go.
 */
export function treeCpuMs(pid: number): number {
  const byPid = parents();
  const own = (of: number) => {
    const fields = statFields(of);
    if (fields === undefined) return 0;
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  };
  if (statFields(pid) === undefined) return NaN;
  let total = 0;
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    total += own(next);
    for (const [child, parent] of byPid) if (parent === next) pending.push(child);
  }
  return total;
}

/** Reads a CPU total in ms (one process, a process tree, or a sum of them). */
export type CpuSource = () => number;

/** Starts counting the CPU of every named source; the returned function gives the ms each used since. */
export function cpuMeterOf(sources: Record<string, CpuSource>): () => Record<string, number> {
  const before = Object.fromEntries(Object.entries(sources).map(([name, read]) => [name, read()]));
  return () =>
    Object.fromEntries(Object.entries(sources).map(([name, read]) => [name, read() - (before[name] ?? NaN)]));
}

/** Resident memory of a process, in MB; NaN once it has gone. */
export function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? NaN : Number(match[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** Starts counting CPU of every named process; the returned function gives the ms each used since. */
export function cpuMeter(pids: Pids): () => Record<string, number> {
  return cpuMeterOf(Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, () => cpuMs(pid)])));
}

/** What an RSS sampler saw of one process, in MB. */
export interface RssSeries {
  first: number;
  peak: number;
  last: number;
  samples: number;
}

/** Samples the RSS of every named process every `everyMs` until the returned function is called. */
export function rssSampler(pids: Pids, everyMs = 500): () => Record<string, RssSeries> {
  const series: Record<string, RssSeries> = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const mb = rssMb(pid);
      const seen = series[name];
      if (seen === undefined) series[name] = { first: mb, peak: mb, last: mb, samples: 1 };
      else Object.assign(seen, { peak: Math.max(seen.peak, mb), last: mb, samples: seen.samples + 1 });
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    sample();
    return series;
  };
}
