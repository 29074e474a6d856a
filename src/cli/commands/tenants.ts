import type { Command } from 'commander';
import { contextOf } from '../context';
import { printJson, printTable, usd } from '../output';

/** `GET /v1/admin/tenants`. */
export interface TenantList {
  object: 'list';
  data: Array<{
    id: string;
    budget: { daily_usd: number | null; monthly_usd: number | null; on_cap: string };
    rate_limit: { requests_per_minute: number | null; tokens_per_minute: number | null } | null;
    spend: { today_usd: number; month_usd: number };
  }>;
}

/** `switchyard tenants`: every tenant with its caps, rate limits and spend. */
export function registerTenants(program: Command): void {
  program
    .command('tenants')
    .description('every tenant with its caps, rate limits and spend')
    .addHelpText('after', '\nExample:\n  switchyard tenants --json')
    .action(async (_options: unknown, command: Command) => {
      const { api, json } = contextOf(command);
      const tenants = await api.get<TenantList>('/v1/admin/tenants');
      if (json) {
        printJson(tenants);
        return;
      }
      printTable(
        ['tenant', 'daily cap', 'monthly cap', 'on cap', 'requests/min', 'tokens/min', 'today', 'this month'],
        tenants.data.map((t) => [
          t.id,
          usd(t.budget.daily_usd) ?? 'none',
          usd(t.budget.monthly_usd) ?? 'none',
          t.budget.on_cap,
          t.rate_limit?.requests_per_minute ?? 'none',
          t.rate_limit?.tokens_per_minute ?? 'none',
          usd(t.spend.today_usd),
          usd(t.spend.month_usd),
        ]),
      );
    });
}
