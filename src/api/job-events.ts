import type { Response } from 'express';
import type { Logger } from 'pino';
import { decodeStreamEntry, type JobStreamEntry } from '../contract/job-stream';
import { InvalidStreamIdError, type StreamEntry, type StreamStore } from '../stores/streams/contract';
import { HttpError } from './http-error';
import type { JobService } from './job-service';
import { openEventStream, writeEvent, writeKeepAlive } from './sse';

/** The id of a job's last event: a client that resumes after it has nothing left to receive. */
export const END_EVENT_ID = 'end';

/** How long one read waits for entries, and one long poll for the job's end. */
const READ_WAIT_MS = 1_000;
const END_POLL_SECONDS = 20;
/** Silence after which a comment keeps proxies from closing the connection. */
const KEEP_ALIVE_MS = 15_000;

export interface JobEventsDeps {
  jobs: JobService;
  streams: StreamStore;
  logger?: Logger;
}

/** The SSE event of one stream entry: `call`, `token` or `call_failed`, with the store's id. */
function eventOf(entry: StreamEntry, decoded: JobStreamEntry): { id: string; event: string; data: string } {
  const { kind, ...fields } = decoded;
  return { id: entry.id, event: kind === 'delta' ? 'token' : kind, data: JSON.stringify(fields) };
}

/**
 * `GET /v1/jobs/:id/events`: the job as Server-Sent Events. A first connection gets the job's `state` (without an
 * id); then, with the stream store's ids, each provider call (`call`), its tokens (`token`) when the job streams,
 * and each call that failed (`call_failed`); last, `done` with the job as `GET /v1/jobs/:id` shows it, under the id
 * `end`. A client that reconnects with `Last-Event-ID` receives what came after that event, once each; after `end`
 * it gets 204, which tells an EventSource to stop.
 */
export async function streamJobEvents(
  deps: JobEventsDeps,
  res: Response,
  { jobId, tenantId, lastEventId }: { jobId: string; tenantId: string; lastEventId: string | undefined },
): Promise<void> {
  const { jobs, streams } = deps;
  const view = await jobs.view(jobId, tenantId);
  if (lastEventId === END_EVENT_ID) {
    res.status(204).end();
    return;
  }
  let after = lastEventId ?? null;
  let first: StreamEntry[];
  try {
    first = await streams.read(jobId, after, { waitMs: 0 });
  } catch (err) {
    if (err instanceof InvalidStreamIdError) {
      throw new HttpError(
        400,
        'invalid_last_event_id',
        `Last-Event-ID "${lastEventId}" is not an event id of this job.`,
        {
          details: { param: 'Last-Event-ID' },
        },
      );
    }
    throw err;
  }

  const stop = new AbortController();
  res.once('close', () => stop.abort());
  openEventStream(res, { 'x-switchyard-job-id': jobId });
  if (lastEventId === undefined) writeEvent(res, { event: 'state', data: JSON.stringify(view) });
  let lastWrite = Date.now();
  const send = (entries: readonly StreamEntry[]) => {
    for (const entry of entries) {
      after = entry.id;
      const decoded = decodeStreamEntry(entry.data);
      if (decoded) writeEvent(res, eventOf(entry, decoded));
    }
    if (entries.length > 0) lastWrite = Date.now();
  };
  send(first);

  // The job's end, found by long polls while the entries are relayed.
  const ended = (async () => {
    let current = view;
    while (current.status === 'running' && !stop.signal.aborted) {
      current = await jobs.view(jobId, tenantId, END_POLL_SECONDS);
    }
    return current;
  })();
  const endedAt = ended.then(
    () => stop.abort(),
    () => stop.abort(),
  );

  while (!stop.signal.aborted) {
    try {
      send(await streams.read(jobId, after, { waitMs: READ_WAIT_MS, signal: stop.signal }));
    } catch (err) {
      deps.logger?.warn({ err, jobId }, 'job events not read: the stream store failed');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (Date.now() - lastWrite >= KEEP_ALIVE_MS) {
      writeKeepAlive(res);
      lastWrite = Date.now();
    }
  }
  await endedAt;
  if (res.writableEnded || res.destroyed) return;
  let final;
  try {
    final = await ended;
  } catch (err) {
    deps.logger?.warn({ err, jobId }, 'job events ended without the job');
    res.end();
    return;
  }
  // Everything the job wrote came before its end: read it to the last entry before `done`.
  for (;;) {
    const rest = await streams.read(jobId, after, { waitMs: 0 }).catch(() => []);
    if (rest.length === 0) break;
    send(rest);
  }
  writeEvent(res, { id: END_EVENT_ID, event: 'done', data: JSON.stringify(final) });
  res.end();
}
