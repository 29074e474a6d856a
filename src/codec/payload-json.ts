import type { Payload } from '@temporalio/common';
import { z } from 'zod';

// Protobuf's JSON form of `bytes` is base64, standard or URL-safe, padding optional.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');

/** Temporal's `Payloads` message in protobuf JSON, as the codec server protocol sends it. */
export const payloadsJsonSchema = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), base64).nullish(),
      data: base64.nullish(),
    }),
  ),
});

/** One payload in protobuf JSON: metadata values and data as base64. */
export interface PayloadJson {
  metadata: Record<string, string>;
  data: string;
}

/** Reads payloads from their protobuf JSON form. */
export function payloadsFromJson(body: z.infer<typeof payloadsJsonSchema>): Payload[] {
  return body.payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data ?? '', 'base64'),
  }));
}

/** Writes payloads in their protobuf JSON form. */
export function payloadsToJson(payloads: Payload[]): { payloads: PayloadJson[] } {
  return {
    payloads: payloads.map(({ metadata, data }) => ({
      metadata: Object.fromEntries(
        Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
      ),
      data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
