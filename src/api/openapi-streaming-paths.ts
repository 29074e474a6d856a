import { eventStream } from './openapi-event-stream';
import { responseRef, type Operation } from './openapi-paths';

/** The job event stream (see README, Streaming). */
export function streamingPaths(): Record<string, Record<string, Operation>> {
  return {
    '/v1/jobs/{id}/events': {
      get: {
        operationId: 'streamJobEvents',
        summary:
          'The job as Server-Sent Events: `state`, then `call`, `token` and `call_failed` with resumable ids, then `done` (id `end`).',
        tags: ['jobs'],
        parameters: [
          { $ref: '#/components/parameters/JobId' },
          {
            name: 'Last-Event-ID',
            in: 'header',
            required: false,
            description: 'Resume after this event: every later event comes once, in order. After `end`: 204.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': {
            description: 'The event stream; it ends after `done`.',
            content: eventStream('Server-Sent Events: state, call, token, call_failed, done.'),
          },
          '204': { description: 'The stream had ended (`Last-Event-ID: end`): nothing is left to send.' },
          '400': responseRef('BadRequest'),
          '404': responseRef('NotFound'),
          '401': responseRef('Unauthorized'),
          '503': responseRef('Unavailable'),
        },
      },
    },
  };
}
