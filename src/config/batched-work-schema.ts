import { z } from 'zod';

/** How the API's accumulator groups small requests into one provider call (see README, Batching). */
export const batchingSchema = z.strictObject({
  /** Texts per embeddings call at most; a flush happens as soon as this many are waiting. */
  maxItems: z.number().int().positive().max(2_048).default(64),
  /** How long the first text of a group waits for others before the group is sent anyway, in ms (0: never waits). */
  maxWaitMs: z.number().int().min(0).max(10_000).default(20),
});

/** Batch jobs on the providers' Batch APIs (see README, Batch jobs). */
export const batchJobsSchema = z.strictObject({
  /** The first wait between polls of a running batch, in seconds; each next one is half as long again. */
  pollInitialSeconds: z.number().positive().max(3_600).default(5),
  /** The longest wait between polls, in seconds. */
  pollMaxSeconds: z.number().positive().max(3_600).default(300),
  /** Requests per batch at most (OpenAI's limit is 50,000). */
  maxRequests: z.number().int().positive().max(50_000).default(50_000),
  /** Largest uploaded file, in MB. */
  maxFileMb: z.number().int().positive().max(200).default(100),
});

export type BatchingConfig = z.infer<typeof batchingSchema>;
export type BatchJobsConfig = z.infer<typeof batchJobsSchema>;
