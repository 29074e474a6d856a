import type { ChatStreamDelta } from './chat-stream';

/**
 * What a provider call writes to its job's stream in the stream store, one entry each, in order. `run` names one
 * execution of the call: a retry, or the same attempt run again by another worker after a crash, writes under a
 * new run, so a reader that has relayed tokens of one run knows when another starts over.
 */
export type JobStreamEntry =
  | {
      kind: 'call';
      run: string;
      providerId: string;
      model: string;
      /** Temporal's attempt number of the call. */
      attempt: number;
    }
  | { kind: 'delta'; run: string; delta: ChatStreamDelta }
  | {
      kind: 'call_failed';
      run: string;
      /** A `FailureType`. */
      failureType: string;
      message: string;
      /** Deltas this run had written before it failed: 0 means the failure came before the first token. */
      deltas: number;
    };

/** The entry's text in the store. */
export function encodeStreamEntry(entry: JobStreamEntry): string {
  return JSON.stringify(entry);
}

/** The entry a store text holds, or null for a text this release does not know (skipped by readers). */
export function decodeStreamEntry(data: string): JobStreamEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const kind = (value as { kind?: unknown }).kind;
  const run = (value as { run?: unknown }).run;
  if (typeof run !== 'string') return null;
  if (kind === 'call' || kind === 'delta' || kind === 'call_failed') return value as JobStreamEntry;
  return null;
}
