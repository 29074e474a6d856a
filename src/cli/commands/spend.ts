import type { Command } from 'commander';
import { contextOf } from '../context';
import { printJson, printTable, usd } from '../output';
import type { TenantList } from './tenants';
import type { TenantSpend } from '../../stores/ledger/contract';

/** `GET /v1/admin/tenants/:tenant/spend` answers the ledger's report as it is. */
export type { TenantSpend } from '../../stores/ledger/contract';

function printSpend(reports: TenantSpend[]): void {
  printTable(
    ['tenant', 'period', 'spent', 'reserved', 'cap'],
    reports.flatMap((report) =>
      [report.daily, report.monthly].map((period) => [
        report.tenantId,
        period.period,
        usd(period.committedUsd),
        usd(period.reservedUsd),
        usd(period.capUsd) ?? 'none',
      ]),
    ),
  );
}

/** `switchyard spend [--tenant <id>]`: spend today and this month against the caps. */
export function registerSpend(program: Command): void {
  program
    .command('spend')
    .description("spend today and this month against the caps: one tenant's, or every tenant's")
    .option('--tenant <tenant>', 'only this tenant')
    .addHelpText('after', '\nExample:\n  switchyard spend --tenant acme')
    .action(async (options: { tenant?: string }, command: Command) => {
      const { api, json } = contextOf(command);
      const spendOf = (tenant: string) => api.get<TenantSpend>(`/v1/admin/tenants/${encodeURIComponent(tenant)}/spend`);
      if (options.tenant !== undefined) {
        const report = await spendOf(options.tenant);
        if (json) printJson(report);
        else printSpend([report]);
        return;
      }
      const tenants = await api.get<TenantList>('/v1/admin/tenants');
      const reports = await Promise.all(tenants.data.map((tenant) => spendOf(tenant.id)));
      if (json) printJson({ object: 'list', data: reports });
      else printSpend(reports);
    });
}
