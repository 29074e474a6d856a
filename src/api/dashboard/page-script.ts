/**
 * The dashboard's script, served from our origin (the page's CSP allows no inline script). Plain ES2020 for
 * the browser: it keeps the operator key in sessionStorage, fetches the data every 2 s with it as a bearer
 * token, and on a 401/403 forgets the key and wipes every figure, so no data stays on screen without a key.
 */
export const DASHBOARD_SCRIPT = String.raw`(function () {
  'use strict';
  var STORAGE_KEY = 'switchyard-admin-key';
  var REFRESH_MS = 2000;
  var COLORS = ['#2f7ed8', '#d33', '#3a3', '#d90', '#8e44ad', '#16a085', '#e67e22', '#7f8c8d'];
  var windowParam = new URLSearchParams(location.search).get('window');
  var dataUrl = '/v1/admin/dashboard/data' + (windowParam ? '?window=' + encodeURIComponent(windowParam) : '');
  var byId = function (id) { return document.getElementById(id); };
  var form = byId('sign-in-form');
  var keyInput = byId('admin-key');
  var signInError = byId('sign-in-error');
  var dashboard = byId('dashboard');
  var statusLine = byId('status');
  var signOut = byId('sign-out');
  var timer = null;
  var charts = {};

  function text(value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return '–';
    if (digits === 0) return String(Math.round(value));
    // Small rates and costs keep three significant digits (0.00123) rather than rounding to 0.
    return digits === 'sig' ? (value === 0 ? '0' : value.toPrecision(3)) : value.toFixed(digits);
  }

  function clearData() {
    document.querySelectorAll('[data-figure]').forEach(function (node) { node.textContent = '–'; });
    document.querySelectorAll('table tbody').forEach(function (body) { body.replaceChildren(); });
    Object.keys(charts).forEach(function (id) { charts[id].plot.destroy(); delete charts[id]; });
    byId('window-label').textContent = '';
    byId('sample-note').textContent = '';
  }

  function showSignIn(message) {
    sessionStorage.removeItem(STORAGE_KEY);
    clearTimeout(timer);
    timer = null;
    dashboard.hidden = true;
    dashboard.removeAttribute('data-updated-at');
    clearData();
    form.hidden = false;
    signOut.hidden = true;
    statusLine.textContent = '';
    signInError.textContent = message || '';
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, REFRESH_MS);
  }

  function stale(message) {
    document.body.classList.add('stale');
    statusLine.textContent = message;
    schedule();
  }

  async function refresh() {
    var key = sessionStorage.getItem(STORAGE_KEY);
    if (!key) return showSignIn('');
    var response;
    try {
      response = await fetch(dataUrl, { headers: { authorization: 'Bearer ' + key }, cache: 'no-store' });
    } catch (err) {
      return stale('Cannot reach the API; retrying…');
    }
    if (response.status === 401 || response.status === 403) return showSignIn('That is not an operator key.');
    if (!response.ok) {
      var problem = await response.json().catch(function () { return null; });
      return stale('Refresh failed: ' + ((problem && problem.detail) || 'HTTP ' + response.status));
    }
    var data = await response.json();
    if (sessionStorage.getItem(STORAGE_KEY) !== key) return;
    form.hidden = true;
    signOut.hidden = false;
    signInError.textContent = '';
    dashboard.hidden = false;
    document.body.classList.remove('stale');
    render(data);
    dashboard.setAttribute('data-updated-at', new Date().toISOString());
    statusLine.textContent = 'Updated ' + new Date().toLocaleTimeString() +
      (data.unavailable.length ? ' · not available: ' + data.unavailable.map(function (u) { return u.part; }).join(', ') : '');
    schedule();
  }

  var DIGITS = {
    jobs_completed: 0, jobs_per_second: 'sig', latency_p50_ms: 0, latency_p95_ms: 0, latency_p99_ms: 0,
    error_rate: 3, cost_per_request_usd: 'sig', cache_hit_ratio: 3, coalesced_ratio: 3, jobs_in_flight: 0,
  };

  function render(data) {
    Object.keys(DIGITS).forEach(function (name) {
      var node = document.querySelector('[data-figure="' + name + '"]');
      if (node) node.textContent = text(data.figures[name], DIGITS[name]);
    });
    byId('window-label').textContent = 'last ' + Math.round(data.window.seconds / 60) + ' min, ' +
      Math.round(data.window.bucket_seconds) + ' s buckets';
    byId('sample-note').textContent = data.sample.truncated
      ? '(figures from the newest ' + data.sample.sampled_jobs + ' of ' + data.sample.closed_jobs + ' closed jobs)'
      : '';
    renderCharts(data);
    renderTables(data);
  }

  function renderCharts(data) {
    var x = data.series.map(function (b) { return Date.parse(b.start) / 1000; });
    var column = function (name) { return data.series.map(function (b) { return b[name]; }); };
    chart('chart-throughput', ['completed + failed + cancelled'], [x, column('jobs_per_second')]);
    chart('chart-latency', ['p50', 'p95', 'p99'], [x, column('latency_p50_ms'), column('latency_p95_ms'), column('latency_p99_ms')]);
    var types = Object.keys(data.errors_by_failure_type).sort();
    if (types.length === 0) types = ['none'];
    chart('chart-errors', types, [x].concat(types.map(function (type) {
      return data.series.map(function (b) { return b.errors[type] || 0; });
    })));
    chart('chart-cost', ['USD'], [x, column('cost_usd')], function (value) { return value === 0 ? '0' : value.toPrecision(2); });
  }

  function chart(id, labels, columns, formatValue) {
    var target = byId(id);
    var existing = charts[id];
    var names = labels.join('|');
    if (existing && existing.names === names) return existing.plot.setData(columns);
    if (existing) existing.plot.destroy();
    var options = {
      width: Math.max(300, target.clientWidth),
      height: 220,
      scales: { x: { time: true } },
      axes: [{}, formatValue
        ? { size: 80, values: function (u, splits) { return splits.map(formatValue); } }
        : { size: 60 }],
      series: [{}].concat(labels.map(function (label, i) {
        return { label: label, stroke: COLORS[i % COLORS.length], width: 1.5 };
      })),
    };
    charts[id] = { names: names, plot: new uPlot(options, columns, target) };
  }

  function row(body, cells) {
    var tr = document.createElement('tr');
    cells.forEach(function (cell) {
      var td = document.createElement('td');
      td.textContent = typeof cell === 'object' && cell !== null ? cell.text : cell;
      if (typeof cell === 'object' && cell !== null && cell.state) td.className = 'state-' + cell.state;
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }

  function spendText(period) {
    if (!period) return '–';
    return text(period.spent_usd, 4) + (period.cap_usd ? ' / ' + text(period.cap_usd, 2) + ' (' + text(period.used_ratio * 100, 0) + '%)' : '');
  }

  function renderTables(data) {
    var tenants = document.querySelector('#tenants tbody');
    tenants.replaceChildren();
    data.tenants.forEach(function (t) {
      row(tenants, [t.tenant, String(t.jobs), String(t.failed), text(t.cost_usd, 6), text(t.cost_per_request_usd, 6),
        spendText(t.spend && t.spend.daily), spendText(t.spend && t.spend.monthly)]);
    });
    var providers = document.querySelector('#providers tbody');
    providers.replaceChildren();
    var keys = document.querySelector('#key-pools tbody');
    keys.replaceChildren();
    data.providers.forEach(function (p) {
      var circuits = p.circuits.map(function (c) {
        return c.key + ' ' + c.state + ' (' + c.window.failures + '/' + c.window.requests + ' failed)';
      }).join(', ');
      row(providers, [p.id, { text: p.state, state: p.state }, circuits || 'no calls recorded']);
      p.keys.forEach(function (k) {
        row(keys, [p.id, k.alias, { text: k.state, state: k.state }, k.until ? new Date(k.until).toLocaleTimeString() : '']);
      });
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var key = keyInput.value.trim();
    if (!key) return;
    sessionStorage.setItem(STORAGE_KEY, key);
    keyInput.value = '';
    refresh();
  });
  signOut.addEventListener('click', function () { showSignIn(''); });
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (id) {
      charts[id].plot.setSize({ width: Math.max(300, byId(id).clientWidth), height: 220 });
    });
  });
  if (sessionStorage.getItem(STORAGE_KEY)) refresh(); else showSignIn('');
})();
`;
