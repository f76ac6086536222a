import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAgentQuery, selectAgents, type AgentQuery } from '../api/agent-query.ts';
import { indexPlacements } from '../api/agent-summary.ts';
import { ApiError } from '../api/api-error.ts';
import { createReadAuth, type ReadAuth } from '../api/auth.ts';
import type { HttpHandler } from '../api/handler.ts';
import { summarizePolicy } from '../api/policy-summary.ts';
import type { OperatorEvent, OperatorView } from '../api/view.ts';
import { html, type SafeHtml } from './html.ts';
import { renderMessagePage, renderPage } from './page.ts';
import { renderAgentFilters, renderAgentTable } from './render-agents.ts';
import { renderEvents } from './render-events.ts';
import { renderPolicy } from './render-policy.ts';
import { createNotableEvents } from './notable-events.ts';
import { loginRedirect, sendHtml } from './session.ts';

export interface DashboardOptions {
  view: OperatorView;
  /** Read tokens (the API's); none = open. A browser logs in once with `/?token=<token>`. */
  tokens?: readonly string[];
  /** Rows of the agent table. Default 100. */
  agentRows?: number;
  /** How many rollout events and agent warnings the events panel keeps. Default 200. */
  eventsKept?: number;
  /** Epoch ms; injectable for tests. Default `Date.now`. */
  now?: () => number;
}

const ASSETS: Record<string, { type: string; body: Buffer }> = {
  '/dashboard/app.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('./assets/app.js', import.meta.url)) },
  '/dashboard/app.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./assets/app.css', import.meta.url)) },
};

/**
 * Creates the dashboard: `GET /` (every policy), `GET /policies/{name}` (one), their
 * fragments under `/dashboard/fragments/`, and the script and stylesheet. Pages are
 * rendered on the server; the same-origin script listens to `/api/v1/events` (SSE) and
 * swaps in fresh fragments, so the page updates without reloads. Returns false for any
 * other path (mount it after the API, metrics and OpAMP handlers or before; paths differ).
 */
export function createDashboardHandler(options: DashboardOptions): HttpHandler {
  const auth = createReadAuth(options.tokens);
  const events = createNotableEvents(options.view, options.eventsKept ?? 200);
  const ctx: Ctx = { view: options.view, auth, rows: options.agentRows ?? 100, now: options.now ?? Date.now, events: events.recent };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const asset = ASSETS[path];
    const isPage = path === '/' || /^\/policies\/[^/]+$/.test(path);
    if (!asset && !isPage && !path.startsWith('/dashboard/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendHtml(res, 405, renderMessagePage('Method not allowed', html`<p>The dashboard is read-only; use GET.</p>`), { allow: 'GET, HEAD' });
      return true;
    }
    if (asset) {
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      res.end(asset.body);
      return true;
    }
    if (isPage && loginRedirect(req, res, url, auth)) return true;
    if (!auth.allows(req)) {
      sendHtml(res, 401, renderMessagePage('Sign in', html`<p>This dashboard needs a read token. Open <code>${url.pathname}?token=&lt;token&gt;</code> once; the browser keeps it in an HttpOnly cookie.</p>`));
      return true;
    }
    serve(ctx, req, res, url);
    return true;
  };
}

interface Ctx {
  view: OperatorView;
  auth: ReadAuth;
  rows: number;
  now: () => number;
  events: () => OperatorEvent[];
}

function serve(ctx: Ctx, _req: IncomingMessage, res: ServerResponse, url: URL): void {
  const path = url.pathname;
  const scope = path.startsWith('/policies/') ? decodePolicyName(path.slice('/policies/'.length)) : (url.searchParams.get('policy') ?? undefined) || undefined;
  const fragment = path.startsWith('/dashboard/fragments/') ? path.slice('/dashboard/fragments/'.length) : undefined;
  if (fragment === 'policies') return sendHtml(res, 200, policiesHtml(ctx, scope));
  if (fragment === 'events') return sendHtml(res, 200, renderEvents(ctx.events(), scope));
  if (fragment === 'agents') return sendHtml(res, 200, agentsHtml(ctx, url.searchParams).table);
  if (fragment !== undefined || path.startsWith('/dashboard/')) return sendHtml(res, 404, renderMessagePage('Not found', html`<p>No dashboard page at <code>${path}</code>.</p>`));
  const names = ctx.view.policies().map((p) => p.name);
  if (path !== '/' && (scope === undefined || !names.includes(scope))) {
    return sendHtml(res, 404, renderMessagePage('No such policy', html`<p>No policy named <code>${scope ?? ''}</code>. <a href="/">All policies</a></p>`));
  }
  const params = new URLSearchParams(url.searchParams);
  if (path !== '/' && scope) params.set('policy', scope);
  const agents = agentsHtml(ctx, params);
  sendHtml(res, 200, renderPage({
    title: path === '/' ? 'Rollouts' : (scope ?? ''), ...(path !== '/' && scope ? { scope } : {}),
    policies: policiesHtml(ctx, path === '/' ? undefined : scope),
    events: renderEvents(ctx.events(), path === '/' ? undefined : scope),
    filters: renderAgentFilters(names, agents.query, path !== '/'),
    agents: agents.table,
  }));
}

function policiesHtml(ctx: Ctx, scope: string | undefined): SafeHtml {
  const policies = ctx.view.policies().filter((p) => scope === undefined || p.name === scope);
  if (policies.length === 0) return html`<p class="muted">No rollout policies yet: commit a RolloutPolicy to the fleet repository.</p>`;
  const now = ctx.now();
  return html`${policies.map((p) => renderPolicy(summarizePolicy(p), now))}`;
}

function agentsHtml(ctx: Ctx, params: URLSearchParams): { table: SafeHtml; query: Partial<AgentQuery> } {
  const policies = ctx.view.policies();
  const clean = new URLSearchParams();
  for (const key of ['policy', 'ring', 'state', 'q']) {
    const v = params.get(key);
    if (v) clean.set(key, v);
  }
  clean.set('limit', String(ctx.rows));
  try {
    const query = parseAgentQuery(clean, { maxPageSize: ctx.rows, defaultPageSize: ctx.rows, policies: new Set(policies.map((p) => p.name)) });
    const page = selectAgents(ctx.view.agents(), indexPlacements(policies), query);
    return { table: renderAgentTable(page, ctx.now(), query.policy), query: { ...query, ...(params.get('q') ? { q: params.get('q') ?? '' } : {}) } };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { table: html`<p class="error" role="alert">${err.message}</p>`, query: {} };
  }
}

/** A bad percent-encoding is just an unknown policy (404), never a thrown URIError. */
function decodePolicyName(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
