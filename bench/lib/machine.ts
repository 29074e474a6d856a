import { cpus, totalmem } from 'node:os';

/** One line naming the machine a run measured: cores, CPU model, memory, Node version and date. */
export function machineLine(date = new Date()): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const memoryGb = (totalmem() / 1024 ** 3).toFixed(1);
  return `${cores.length} cores, ${model}, ${memoryGb} GB, node ${process.version}, ${date.toISOString()}`;
}
