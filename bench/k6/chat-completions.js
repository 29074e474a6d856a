// Load test of Switchyard's synchronous chat surface for k6 users (the suite itself drives autocannon).
// Every iteration sends a unique prompt, so nothing is answered from the cache or coalesced.
//
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e API_KEY=sk-switchyard-dev -e VUS=64 -e DURATION=60s \
//     bench/k6/chat-completions.js
import http from 'k6/http';
import { check } from 'k6';
import exec from 'k6/execution';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const API_KEY = __ENV.API_KEY || 'sk-switchyard-dev';
const MODEL = __ENV.MODEL || 'gpt-4o-mini';

export const options = {
  vus: Number(__ENV.VUS || 16),
  duration: __ENV.DURATION || '30s',
  thresholds: { http_req_failed: ['rate<0.01'] },
};

export default function () {
  const prompt = `k6 ${exec.vu.idInTest}-${exec.vu.iterationInScenario}-${Date.now()}`;
  const response = http.post(
    `${BASE_URL}/v1/chat/completions`,
    JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: prompt }] }),
    {
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      // Admission control answers 503/429 with Retry-After under overload: counted, not failed.
      responseCallback: http.expectedStatuses(200, 429, 503),
    },
  );
  check(response, {
    'answered 200': (r) => r.status === 200,
    'refused with Retry-After': (r) => r.status === 200 || r.headers['Retry-After'] !== undefined,
  });
}
