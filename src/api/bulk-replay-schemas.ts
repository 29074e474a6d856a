import { z } from 'zod';
import { jobFilterSchema } from './job-list-query';

/** `POST /v1/jobs/replays`: which jobs to replay, how, and how fast. */
export const bulkReplayBodySchema = z
  .object({
    filter: jobFilterSchema.default({}),
    overrides: z
      .object({ model: z.string().min(1, 'must not be empty').max(256).optional() })
      .strict()
      .default({}),
    max_jobs: z
      .number({ message: 'must be a whole number from 1 to 10000' })
      .int('must be a whole number from 1 to 10000')
      .min(1, 'must be at least 1')
      .max(10_000, 'must be at most 10000')
      .default(1000),
    per_second: z
      .number({ message: 'must be a number from 0.1 to 100' })
      .min(0.1, 'must be at least 0.1')
      .max(100, 'must be at most 100')
      .default(10),
    dry_run: z.boolean({ message: 'must be true or false' }).default(false),
  })
  .strict();

export type BulkReplayBody = z.infer<typeof bulkReplayBodySchema>;
