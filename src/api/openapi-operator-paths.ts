import { json, responseRef, type Operation, type Security } from './openapi-paths';
import type { JsonSchema } from './openapi-responses';

const OPERATOR: Security = [{ operatorBearer: [] }];
const OPERATOR_ERRORS = {
  '401': responseRef('Unauthorized'),
  '403': responseRef('Forbidden'),
  '503': responseRef('Unavailable'),
};
const nullableNumber: JsonSchema = { anyOf: [{ type: 'number' }, { type: 'null' }] };

/** The operator routes the CLI and the dashboard read: every tenant at once, and the dashboard's figures. */
export function operatorPaths(): Record<string, Record<string, Operation>> {
  return {
    '/v1/admin/tenants': {
      get: {
        operationId: 'listTenants',
        summary: 'Every configured tenant with its caps, rate limits and charged spend today and this month.',
        tags: ['admin'],
        security: OPERATOR,
        responses: { '200': json('TenantList', 'Every tenant.'), ...OPERATOR_ERRORS },
      },
    },
    '/v1/admin/dashboard/data': {
      get: {
        operationId: 'dashboardData',
        summary: 'The figures `/dashboard` shows, from Temporal visibility and the stores (operators).',
        tags: ['admin'],
        security: OPERATOR,
        parameters: [
          {
            name: 'window',
            in: 'query',
            required: false,
            description: 'How far back: a number and a unit (`90s`, `15m`, `2h`), from 1m to 24h; default 15m.',
            schema: { type: 'string', pattern: '^\\d{1,6}(s|m|h)$' },
          },
        ],
        responses: {
          '200': json('DashboardData', 'Throughput, latency, errors, cost, cache, tenants and providers.'),
          '400': responseRef('BadRequest'),
          ...OPERATOR_ERRORS,
        },
      },
    },
  };
}

/** Component schemas of {@link operatorPaths}. */
export function operatorSchemas(): Record<string, JsonSchema> {
  return {
    TenantList: {
      type: 'object',
      required: ['object', 'data'],
      properties: {
        object: { const: 'list' },
        data: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'budget', 'rate_limit', 'spend'],
            properties: {
              id: { type: 'string' },
              budget: {
                type: 'object',
                properties: { daily_usd: nullableNumber, monthly_usd: nullableNumber, on_cap: { type: 'string' } },
              },
              rate_limit: {
                anyOf: [
                  {
                    type: 'object',
                    properties: { requests_per_minute: nullableNumber, tokens_per_minute: nullableNumber },
                  },
                  { type: 'null' },
                ],
              },
              spend: {
                type: 'object',
                properties: { today_usd: { type: 'number' }, month_usd: { type: 'number' } },
              },
            },
          },
        },
      },
    },
    DashboardData: {
      type: 'object',
      required: ['object', 'generated_at', 'window', 'sample', 'figures', 'series', 'tenants', 'providers'],
      properties: {
        object: { const: 'dashboard_data' },
        generated_at: { type: 'string', format: 'date-time' },
        window: { type: 'object' },
        sample: { type: 'object' },
        figures: { type: 'object', additionalProperties: nullableNumber },
        counts: { type: 'object' },
        errors_by_failure_type: { type: 'object', additionalProperties: { type: 'number' } },
        cost: { type: 'object' },
        series: { type: 'array', items: { type: 'object' } },
        tenants: { type: 'array', items: { type: 'object' } },
        providers: { type: 'array', items: { type: 'object' } },
        unavailable: { type: 'array', items: { type: 'object' } },
      },
    },
  };
}
