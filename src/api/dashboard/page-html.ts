/** Where the page's own files are served (`/dashboard/assets/<name>`). */
export const ASSETS_PATH = '/dashboard/assets';

const figure = (name: string, label: string) =>
  `<div class="figure"><span class="label">${label}</span><span class="value" data-figure="${name}">–</span></div>`;

/**
 * The page shell. It holds no data: the script fetches `/v1/admin/dashboard/data` with the operator key the
 * user signs in with, so a visitor without a valid key sees the sign-in form only.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard dashboard</title>
<link rel="stylesheet" href="${ASSETS_PATH}/uPlot.min.css">
<link rel="stylesheet" href="${ASSETS_PATH}/dashboard.css">
</head>
<body>
<header>
<h1>Switchyard</h1>
<span id="status" aria-live="polite"></span>
<button id="sign-out" type="button" hidden>Sign out</button>
</header>
<form id="sign-in-form" autocomplete="off">
<label for="admin-key">Operator key</label>
<input id="admin-key" type="password" name="admin-key" required>
<button id="sign-in" type="submit">Sign in</button>
<p id="sign-in-error" role="alert"></p>
</form>
<main id="dashboard" hidden>
<p class="window">Window: <span id="window-label"></span> <span id="sample-note"></span></p>
<section class="figures">
${figure('jobs_completed', 'Jobs closed')}
${figure('jobs_per_second', 'Jobs / s')}
${figure('latency_p50_ms', 'Latency p50 (ms)')}
${figure('latency_p95_ms', 'Latency p95 (ms)')}
${figure('latency_p99_ms', 'Latency p99 (ms)')}
${figure('error_rate', 'Error rate')}
${figure('cost_per_request_usd', 'Cost / request (USD)')}
${figure('cache_hit_ratio', 'Cache hit ratio')}
${figure('coalesced_ratio', 'Coalesced ratio')}
${figure('jobs_in_flight', 'Jobs in flight')}
</section>
<section class="charts">
<figure><figcaption>Throughput (jobs closed / s)</figcaption><div class="chart" id="chart-throughput"></div></figure>
<figure><figcaption>Latency (ms)</figcaption><div class="chart" id="chart-latency"></div></figure>
<figure><figcaption>Errors by failure type</figcaption><div class="chart" id="chart-errors"></div></figure>
<figure><figcaption>Cost (USD per bucket)</figcaption><div class="chart" id="chart-cost"></div></figure>
</section>
<section class="tables">
<h2>Tenants</h2>
<table id="tenants"><thead><tr><th>Tenant</th><th>Jobs</th><th>Failed</th><th>Cost (USD)</th><th>Cost / request</th><th>Today</th><th>This month</th></tr></thead><tbody></tbody></table>
<h2>Providers and circuits</h2>
<table id="providers"><thead><tr><th>Provider</th><th>State</th><th>Circuits</th></tr></thead><tbody></tbody></table>
<h2>Key pools</h2>
<table id="key-pools"><thead><tr><th>Provider</th><th>Key</th><th>State</th><th>Until</th></tr></thead><tbody></tbody></table>
</section>
</main>
<script src="${ASSETS_PATH}/uPlot.iife.min.js"></script>
<script src="${ASSETS_PATH}/dashboard.js"></script>
</body>
</html>
`;
