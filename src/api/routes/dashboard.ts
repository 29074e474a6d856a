import { readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { Router, type Response } from 'express';
import type { Config } from '../../config';
import { addWindowFigureGauges, type ApiMetrics } from '../../telemetry/api-metrics';
import type { ApiServices } from '../api-services';
import { adminAuth } from '../auth';
import { DashboardSource } from '../dashboard/dashboard-data';
import { ASSETS_PATH, DASHBOARD_HTML } from '../dashboard/page-html';
import { DASHBOARD_SCRIPT } from '../dashboard/page-script';
import { DASHBOARD_CSS } from '../dashboard/page-style';
import { parseWindow } from '../dashboard/window';
import { METRICS_WINDOW_MS, toWindowFigures } from '../dashboard/window-figures';

/** Scripts, styles and data from our own origin only; nothing inline, no frames. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface DashboardRouterDeps {
  client: Client;
  config: Config;
  services: Pick<ApiServices, 'circuits' | 'keyState' | 'ledger'>;
  /** The API's metrics: the dashboard's figures over `METRICS_WINDOW_MS` join them as gauges. */
  metrics: ApiMetrics;
}

interface Asset {
  type: string;
  body: string;
}

/** uPlot's browser build, from the installed package (the page loads nothing from a CDN). */
function uplotAsset(file: string, type: string): () => Asset {
  let body: string | undefined;
  return () => ({ type, body: (body ??= readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8')) });
}

/**
 * The live dashboard: the page `/dashboard`, its assets, and its data at `GET /v1/admin/dashboard/data`
 * (operator key). Also adds the same figures to the API's `/metrics` for Prometheus.
 */
export function dashboardRouter({ client, config, services, metrics }: DashboardRouterDeps): Router {
  const source = new DashboardSource({ client, config, ...services });
  addWindowFigureGauges(metrics.registry, async () => toWindowFigures(await source.read(METRICS_WINDOW_MS)));
  const assets: Record<string, () => Asset> = {
    'dashboard.js': () => ({ type: 'text/javascript; charset=utf-8', body: DASHBOARD_SCRIPT }),
    'dashboard.css': () => ({ type: 'text/css; charset=utf-8', body: DASHBOARD_CSS }),
    'uPlot.iife.min.js': uplotAsset('uPlot.iife.min.js', 'text/javascript; charset=utf-8'),
    'uPlot.min.css': uplotAsset('uPlot.min.css', 'text/css; charset=utf-8'),
  };
  const send = (res: Response, { type, body }: Asset, cache: string) => {
    res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', cache);
    res.type(type).send(body);
  };

  const router = Router();
  router.get('/dashboard', (_req, res) => {
    send(res, { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML }, 'no-cache');
  });
  router.get(`${ASSETS_PATH}/:file`, (req, res, next) => {
    const asset = Object.hasOwn(assets, req.params.file) ? assets[req.params.file] : undefined;
    if (!asset) return next();
    send(res, asset(), 'no-cache');
  });
  router.get('/v1/admin/dashboard/data', adminAuth(config), async (req, res) => {
    const windowMs = parseWindow(req.query.window);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await source.read(windowMs));
  });
  return router;
}
