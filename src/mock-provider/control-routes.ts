import { type ServerResponse } from 'node:http';
import { MockBehaviorError } from './behavior';
import { type RequestBody, sendJson } from './http-io';
import { parseJson } from './json';
import { type ControlRoute } from './router';
import { type MockState } from './state';

/** The mock's own error body, for everything that is not a provider endpoint. */
export function sendMockError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** Answers `/_mock/*` and `/healthz`. `body` is only read for the routes that take one. */
export function serveControl(
  state: MockState,
  route: ControlRoute,
  body: RequestBody | undefined,
  res: ServerResponse,
): void {
  switch (route) {
    case 'healthz':
      sendJson(res, 200, { status: 'ok' });
      return;
    case 'stats':
      sendJson(res, 200, state.stats.snapshot());
      return;
    case 'reset':
      state.stats.reset();
      sendJson(res, 200, { reset: true });
      return;
    case 'behavior': {
      if (body === undefined || (!body.ok && body.reason === 'aborted')) return;
      const json = body.ok ? parseJson(body.text) : undefined;
      if (json === undefined) {
        sendMockError(res, 400, 'invalid_json', 'The behavior must be a JSON object.');
        return;
      }
      try {
        sendJson(res, 200, state.update(json));
      } catch (err) {
        if (!(err instanceof MockBehaviorError)) throw err;
        sendMockError(res, 400, 'invalid_behavior', err.message);
      }
      return;
    }
  }
}

/** Whether a control route reads a request body. */
export function controlTakesBody(route: ControlRoute): boolean {
  return route === 'behavior';
}
