import { startBareHttpServer } from '../../bench/lib/bare-http';

describe('bench: bare node:http server', () => {
  test('answers every request with the fixed body and headers, in its own process, and stops', async () => {
    const body = JSON.stringify({ id: 'chatcmpl-1', choices: [{ message: { content: 'héllo' } }] });
    const server = await startBareHttpServer({
      body,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-switchyard-cache': 'hit' },
    });
    try {
      expect(server.pid).not.toBe(process.pid);
      for (const method of ['POST', 'GET']) {
        const response = await fetch(`${server.url}/v1/chat/completions`, {
          method,
          ...(method === 'POST' ? { body: '{"model":"m"}' } : {}),
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('x-switchyard-cache')).toBe('hit');
        expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
        expect(await response.text()).toBe(body);
      }
    } finally {
      await server.stop();
    }
    expect(() => process.kill(server.pid, 0)).toThrow();
  });
});
