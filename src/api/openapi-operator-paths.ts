import { body, json, OPERATOR, OPERATOR_ERRORS, pathParameter, responseRef, type Operation } from './openapi-paths';
import type { JsonSchema } from './openapi-responses';

const nullableNumber: JsonSchema = { anyOf: [{ type: 'number' }, { type: 'null' }] };

/**
 * The operator routes the CLI and the dashboard read (every tenant at once, the dashboard's figures) and the
 * codec server's.
 */
export function operatorPaths(): Record<string, Record<string, Operation>> {
  return {
    ...codecPaths(),
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

/**
 * The Temporal codec server protocol (operators), so the Temporal Web UI can show encrypted payloads. The UI may
 * put the namespace before the action. A browser's CORS preflight (OPTIONS) is answered for the configured origins.
 */
function codecPaths(): Record<string, Record<string, Operation>> {
  const entries = (['decode', 'encode'] as const).flatMap((action) =>
    ['', '/{namespace}'].map((prefix): [string, Record<string, Operation>] => [
      `/v1/admin/codec${prefix}/${action}`,
      {
        post: {
          operationId: `${action}Payloads${prefix ? 'InNamespace' : ''}`,
          summary: `${action === 'decode' ? 'Decrypt' : 'Encrypt'} Temporal payloads (operators).`,
          tags: ['admin'],
          security: OPERATOR,
          ...(prefix ? { parameters: [pathParameter('namespace', 'Temporal namespace (ignored).')] } : {}),
          requestBody: body('Payloads', 'Payloads in protobuf JSON.'),
          responses: {
            '200': json('Payloads', 'The payloads, transformed.'),
            '400': responseRef('BadRequest'),
            '413': responseRef('PayloadTooLarge'),
            '415': responseRef('UnsupportedMediaType'),
            ...OPERATOR_ERRORS,
          },
        },
      },
    ]),
  );
  return Object.fromEntries(entries);
}
