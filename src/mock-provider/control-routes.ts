import { type IncomingMessage, type ServerResponse } from 'node:http';
import { MockBehaviorError } from './behavior';
import { readBody, sendJson } from './http-io';
import { parseJson } from './json';
import { type ControlRoute } from './router';
import { type MockState } from './state';

/** The mock's own error body, for everything that is not a provider endpoint. */
export function sendMockError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** Answers `/_mock/*` and `/healthz`. */
export async function serveControl(
  state: MockState,
  route: ControlRoute,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  switch (route) {
    case 'healthz':
      sendJson(res, 200, { status: 'ok' });
      return;
    case 'stats':
      sendJson(res, 200, state.stats.snapshot());
      return;
    case 'calls':
      sendJson(res, 200, state.calls());
      return;
    case 'reset':
      state.reset();
      sendJson(res, 200, { reset: true });
      return;
    case 'behavior': {
      const body = await readBody(req);
      if (!body.ok && body.reason === 'aborted') return;
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
