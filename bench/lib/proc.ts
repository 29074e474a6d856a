import { readFileSync } from 'node:fs';

/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Named process ids whose cost a scenario reports (the Temporal server, the API, the worker…). */
export type Pids = Record<string, number>;

/** CPU time (user + system) a process has used so far, in ms; NaN once it has gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
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
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
  return () =>
    Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid) - (before[name] ?? NaN)]));
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
