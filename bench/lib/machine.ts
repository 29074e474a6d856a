import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** One line naming the machine a run measured: cores, CPU model, memory, Node version and date. */
export function machineLine(date = new Date()): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const memoryGb = (totalmem() / 1024 ** 3).toFixed(1);
  return `${cores.length} cores, ${model}, ${memoryGb} GB, node ${process.version}, ${date.toISOString()}`;
}

/** The machine's CPU time so far from /proc/stat, in clock ticks: all of it, and the share the hypervisor stole. */
function cpuTicks(): { total: number; steal: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return null;
    return { total: fields.reduce((sum, n) => sum + n, 0), steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

/**
 * Starts measuring the share of CPU time the hypervisor gave to other guests ("steal"); the function it returns
 * gives that share in % since the start, or null where /proc/stat does not say. On a shared virtual machine it
 * tells a slow scenario from a slow host: a figure measured while a tenth of the CPU was stolen is not
 * comparable with one measured while none was.
 */
export function stealMeter(): () => number | null {
  const start = cpuTicks();
  return () => {
    const end = cpuTicks();
    if (!start || !end || end.total <= start.total) return null;
    return Math.round(((end.steal - start.steal) / (end.total - start.total)) * 1000) / 10;
  };
}
