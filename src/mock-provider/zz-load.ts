import { request, Agent } from 'node:http';
import { startMockProvider } from './index';
async function run() {
  const m = await startMockProvider({ port: 0, errorRates: { '500': 0.05 } , seed: 1 });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello, how are you doing today? '.repeat(4) }] });
  const one = () => new Promise<void>((resolve, reject) => {
    const req = request(`${m.url}/openai/v1/chat/completions`, { method: 'POST', agent, headers: { authorization: 'Bearer k', 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject); req.end(body);
  });
  const N = 30000; let sent = 0;
  const t = Date.now();
  await Promise.all(Array.from({ length: 64 }, async () => { while (sent++ < N) await one(); }));
  const s = (Date.now() - t) / 1000;
  console.log(`${N} req in ${s}s = ${Math.round(N / s)} req/s`, m.stats().byStatus);
  agent.destroy(); await m.close();
}
void run();
