import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { indexPlacements, summarizeAgent } from './agent-summary.ts';
import { parseAgentQuery, selectAgents } from './agent-query.ts';
import { ApiError, sendApiError, sendJson } from './api-error.ts';
import { createReadAuth, type ReadAuth } from './auth.ts';
import { DEFAULT_EVENT_STREAM_OPTIONS, parseLastEventId, serveEventStream, type EventStreamOptions } from './event-stream.ts';
import { summarizePolicy } from './policy-summary.ts';
import type { OperatorView } from './view.ts';

/**
 * A mountable request handler: returns true when it handled the request (its path is
 * one of its own), false to let the next handler try. `ringmaster serve` chains them.
 */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ApiHandlerOptions {
  view: OperatorView;
  /** Bearer tokens that may read; none or empty = open read access. */
  tokens?: readonly string[];
  /** Largest `limit` of `/api/v1/agents`. Default 500. */
  maxPageSize?: number;
  /** `limit` when none is given. Default 100. */
  defaultPageSize?: number;
  /** Concurrent `/api/v1/events` streams; more get 503. Default 100. */
  maxStreams?: number;
  /** How many failing agents each ring lists. Default 5. */
  failingLimit?: number;
  events?: Partial<EventStreamOptions>;
  logger?: Logger;
}

const PREFIX = '/api/';

/**
 * Creates the read-only JSON API under `/api/v1/` (see docs/operations.md): policies,
 * agents (filtered, paginated), and the event stream. Answers every path under `/api/`
 * (unknown ones with 404) and nothing else. Errors are `{ error: { code, message } }`.
 */
export function createApiHandler(options: ApiHandlerOptions): HttpHandler {
  const auth = createReadAuth(options.tokens);
  const logger = options.logger ?? pino({ level: 'silent' });
  const ctx: Context = {
    view: options.view, auth, logger,
    maxPageSize: options.maxPageSize ?? 500,
    defaultPageSize: Math.min(options.defaultPageSize ?? 100, options.maxPageSize ?? 500),
    maxStreams: options.maxStreams ?? 100,
    failingLimit: options.failingLimit ?? 5,
    stream: { ...DEFAULT_EVENT_STREAM_OPTIONS, ...options.events },
    openStreams: 0,
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(PREFIX)) return false;
    try {
      route(ctx, req, res, url);
    } catch (err) {
      if (err instanceof ApiError) sendApiError(res, err);
      else {
        logger.error({ err, path: url.pathname }, 'API request failed');
        sendApiError(res, new ApiError(500, 'E_INTERNAL', 'internal error; see the server log'));
      }
    }
    return true;
  };
}

interface Context {
  view: OperatorView;
  auth: ReadAuth;
  logger: Logger;
  maxPageSize: number;
  defaultPageSize: number;
  maxStreams: number;
  failingLimit: number;
  stream: EventStreamOptions;
  openStreams: number;
}

function route(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (!ctx.auth.allows(req)) {
    throw new ApiError(401, 'E_UNAUTHORIZED', 'a bearer token is required: send "Authorization: Bearer <token>"', { 'www-authenticate': 'Bearer realm="ringmaster"' });
  }
  const parts = url.pathname.slice(PREFIX.length).split('/');
  if (parts[0] !== 'v1' || parts.length < 2 || parts.length > 3 || parts.some((p, i) => p === '' && i > 0)) {
    throw new ApiError(404, 'E_NOT_FOUND', `no such API path: ${url.pathname}`);
  }
  const [, collection, id] = parts as [string, string, string | undefined];
  if (!['policies', 'agents', 'events'].includes(collection) || (collection === 'events' && id !== undefined)) {
    throw new ApiError(404, 'E_NOT_FOUND', `no such API path: ${url.pathname}`);
  }
  if (req.method !== 'GET') throw new ApiError(405, 'E_METHOD_NOT_ALLOWED', `${req.method ?? '?'} is not allowed here; the API is read-only (GET)`, { allow: 'GET' });
  if (collection === 'events') return streamEvents(ctx, req, res);
  const key = id === undefined ? undefined : decodeSegment(id);
  if (collection === 'policies') return key === undefined ? listPolicies(ctx, res) : getPolicy(ctx, res, key);
  return key === undefined ? listAgents(ctx, res, url) : getAgent(ctx, res, key);
}

function listPolicies(ctx: Context, res: ServerResponse): void {
  sendJson(res, 200, { items: ctx.view.policies().map((p) => summarizePolicy(p, ctx.failingLimit)) });
}

function getPolicy(ctx: Context, res: ServerResponse, name: string): void {
  const policy = ctx.view.policies().find((p) => p.name === name);
  if (!policy) throw new ApiError(404, 'E_NOT_FOUND', `no policy named "${name}"`);
  sendJson(res, 200, summarizePolicy(policy, ctx.failingLimit));
}

function listAgents(ctx: Context, res: ServerResponse, url: URL): void {
  const policies = ctx.view.policies();
  const query = parseAgentQuery(url.searchParams, {
    maxPageSize: ctx.maxPageSize, defaultPageSize: ctx.defaultPageSize, policies: new Set(policies.map((p) => p.name)),
  });
  sendJson(res, 200, selectAgents(ctx.view.agents(), indexPlacements(policies), query));
}

function getAgent(ctx: Context, res: ServerResponse, uid: string): void {
  const agent = ctx.view.agents().find((a) => a.uid === uid);
  if (!agent) throw new ApiError(404, 'E_NOT_FOUND', `no agent with uid "${uid}"`);
  sendJson(res, 200, summarizeAgent(agent, indexPlacements(ctx.view.policies()).get(uid)));
}

function streamEvents(ctx: Context, req: IncomingMessage, res: ServerResponse): void {
  if (ctx.openStreams >= ctx.maxStreams) {
    throw new ApiError(503, 'E_TOO_MANY_STREAMS', `too many open event streams (limit ${ctx.maxStreams}); retry later`, { 'retry-after': '5' });
  }
  ctx.openStreams += 1;
  serveEventStream(req, res, ctx.view, ctx.stream, parseLastEventId(req.headers['last-event-id']), () => {
    ctx.openStreams -= 1;
  });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, 'E_BAD_QUERY', `path segment "${segment}" is not valid percent-encoding`);
  }
}
