import { z } from 'zod';

/** Streamed answers (see README, Streaming). */
export const streamingSchema = z.strictObject({
  /**
   * What a synchronous stream's job does when its client disconnects: `cancel` stops it and its provider call
   * (the tokens generated so far are what the provider bills), `finish` lets it complete, be charged and cached.
   */
  onClientDisconnect: z.enum(['cancel', 'finish']).default('cancel'),
});

export type StreamingConfig = z.infer<typeof streamingSchema>;
