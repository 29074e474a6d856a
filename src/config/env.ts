import { z } from 'zod';
import { HOST_MESSAGE, HOST_PATTERN } from './schema';
import { codecCorsOriginsSchema } from '../codec/cors-origins';
import { payloadKeysSchema } from '../codec/payload-keys';

const blankIsUnset = (value: unknown): unknown =>
  typeof value === 'string' ? (value.trim() === '' ? undefined : value.trim()) : value;
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankIsUnset, schema.optional());
const optionalText = optional(z.string());
const optionalUrl = optional(z.url({ message: 'must be an absolute URL' }));

/** Environment variables Switchyard reads. Blank values count as unset. */
export const envSchema = z.object({
  SWITCHYARD_CONFIG: optionalText,
  SWITCHYARD_API_KEY: optionalText,
  SWITCHYARD_ADMIN_KEY: optionalText,
  SWITCHYARD_PAYLOAD_KEYS: optional(payloadKeysSchema),
  SWITCHYARD_CODEC_CORS_ORIGINS: optional(codecCorsOriginsSchema),
  CACHE_URL: optionalText,
  WORKER_METRICS_ADDRESS: optional(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'use host:port, e.g. 0.0.0.0:9464')),
  COUNTERS_URL: optionalText,
  PORT: optional(z.coerce.number().int().min(0).max(65535)),
  HOST: optional(z.string().regex(HOST_PATTERN, HOST_MESSAGE)),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  LOG_FORMAT: optional(z.enum(['json', 'pretty'], { message: 'use "json" or "pretty"' })),
  LOG_PAYLOADS: optional(
    z.enum(['true', 'false'], { message: 'use "true" or "false"' }).transform((value) => value === 'true'),
  ),
  TEMPORAL_ADDRESS: optionalText,
  TEMPORAL_NAMESPACE: optionalText,
  SWITCHYARD_TASK_QUEUE_PREFIX: optional(
    z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'use letters, digits, ".", "-" and "_"'),
  ),
  OPENAI_API_KEY: optionalText,
  OPENAI_BASE_URL: optionalUrl,
  ANTHROPIC_API_KEY: optionalText,
  ANTHROPIC_BASE_URL: optionalUrl,
  GEMINI_API_KEY: optionalText,
  GEMINI_BASE_URL: optionalUrl,
});

export type Env = z.infer<typeof envSchema>;

/** The providers' conventional variables: a key there configures the provider without a config file. */
export const CONVENTIONAL_PROVIDERS = [
  { id: 'openai', type: 'openai', keyVar: 'OPENAI_API_KEY', baseUrlVar: 'OPENAI_BASE_URL' },
  { id: 'anthropic', type: 'anthropic', keyVar: 'ANTHROPIC_API_KEY', baseUrlVar: 'ANTHROPIC_BASE_URL' },
  { id: 'gemini', type: 'gemini', keyVar: 'GEMINI_API_KEY', baseUrlVar: 'GEMINI_BASE_URL' },
] as const;
