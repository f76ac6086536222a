import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { sendApiError, sendJson, ApiError } from '../api/api-error.ts';
import { createReadAuth } from '../api/auth.ts';
import type { HttpHandler } from '../api/handler.ts';

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname;
}

function methodAllowed(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  sendApiError(res, new ApiError(405, 'E_METHOD_NOT_ALLOWED', `${req.method ?? '?'} is not allowed here; use GET`, { allow: 'GET, HEAD' }));
  return false;
}

/**
 * Serves `GET /metrics` in the Prometheus text format from `registry`. With `tokens`, a
 * scraper must send `Authorization: Bearer <token>` (Prometheus `authorization` config).
 */
export function metricsHandler(registry: Registry, options: { tokens?: readonly string[] } = {}): HttpHandler {
  const auth = createReadAuth(options.tokens);
  return (req, res) => {
    if (pathOf(req) !== '/metrics') return false;
    if (!methodAllowed(req, res)) return true;
    if (!auth.allows(req)) {
      sendApiError(res, new ApiError(401, 'E_UNAUTHORIZED', 'a bearer token is required to scrape /metrics', { 'www-authenticate': 'Bearer realm="ringmaster"' }));
      return true;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => sendApiError(res, new ApiError(500, 'E_INTERNAL', `collecting metrics failed: ${err instanceof Error ? err.message : String(err)}`)),
    );
    return true;
  };
}

/** What `/readyz` reports: ready only when every named check holds. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

/**
 * Serves `/healthz` (200 while the process can answer at all: liveness) and `/readyz`
 * (200 when `ready()` says so, else 503 naming the failing checks: readiness, e.g.
 * `{ sourceSynced: false, opampListening: true }`). Both are open: probes carry no tokens,
 * and they reveal nothing but check names.
 */
export function healthHandler(options: { ready: () => Readiness }): HttpHandler {
  return (req, res) => {
    const path = pathOf(req);
    if (path !== '/healthz' && path !== '/readyz') return false;
    if (!methodAllowed(req, res)) return true;
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    let readiness: Readiness;
    try {
      readiness = options.ready();
    } catch {
      // A throwing readiness callback is itself a failed check, never a crash.
      readiness = { ready: false, checks: { readinessProbe: false } };
    }
    const failing = Object.entries(readiness.checks).filter(([, ok]) => !ok).map(([name]) => name);
    const ready = readiness.ready && failing.length === 0;
    sendJson(res, ready ? 200 : 503, { ready, checks: readiness.checks, ...(ready ? {} : { failing }) });
    return true;
  };
}
