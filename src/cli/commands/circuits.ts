import type { Command } from 'commander';
import { contextOf } from '../context';
import { printJson, printTable } from '../output';

/** `GET /v1/admin/circuits`. */
interface CircuitList {
  object: 'list';
  data: Array<{
    key: string;
    state: string;
    open_until: string | null;
    opened_at: string | null;
    window: { requests: number; failures: number };
    consecutive_failures: number;
  }>;
}

/** `switchyard circuits`: the providers' circuit breakers. */
export function registerCircuits(program: Command): void {
  program
    .command('circuits')
    .description("the providers' circuit breakers, per provider and model")
    .addHelpText('after', '\nExample:\n  switchyard circuits')
    .action(async (_options: unknown, command: Command) => {
      const { api, json } = contextOf(command);
      const circuits = await api.get<CircuitList>('/v1/admin/circuits');
      if (json) {
        printJson(circuits);
        return;
      }
      printTable(
        ['circuit', 'state', 'open until', 'failures', 'requests', 'consecutive failures'],
        circuits.data.map((c) => [
          c.key,
          c.state,
          c.open_until,
          c.window.failures,
          c.window.requests,
          c.consecutive_failures,
        ]),
      );
    });
}
