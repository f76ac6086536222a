/**
 * `POST /hooks/git`: the push webhook that makes the Git source fetch at once instead of
 * waiting for the next poll. It only triggers a sync — it never carries manifests — so the
 * worst a replayed or forged-but-valid request can do is cause one extra fetch.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { readLimitedBody } from './read-limited-body.ts';
import { checkWebhookHeaders, verifyGithubBody, webhookEvent, type WebhookProvider } from './verify-git-webhook.ts';

/** What a push said; both fields are optional because providers and test pings vary. */
export interface GitPushInfo {
  ref?: string;
  after?: string;
  provider?: WebhookProvider;
}

export interface GitWebhookOptions {
  /** GitHub webhook secret (HMAC-SHA256 of the body). */
  githubSecret?: string;
  /** GitLab secret token (`X-Gitlab-Token`). */
  gitlabToken?: string;
  /** Largest accepted body. Default 1 MiB (GitHub caps payloads at 25 MB; pushes are small). */
  maxBodyBytes?: number;
  /** URL path served. Default `/hooks/git`. */
  path?: string;
  /** Called for every authenticated push; errors it throws are logged, not returned. */
  onPush(info: GitPushInfo): void;
  logger?: Logger;
}

export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 1024 * 1024;

function reply(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

/** Which events mean "the branch may have moved"; `ping` is answered apart. */
function isPushEvent(provider: WebhookProvider, event: string | undefined, payload: Record<string, unknown>): boolean {
  if (event === undefined) return true;
  if (provider === 'github') return event === 'push';
  return event === 'Push Hook' || (event === 'System Hook' && payload.object_kind === 'push');
}

function parsePayload(req: IncomingMessage, body: Buffer): Record<string, unknown> | undefined {
  try {
    let text = body.toString('utf8');
    if (String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
      text = new URLSearchParams(text).get('payload') ?? '';
    }
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function pushInfo(provider: WebhookProvider, payload: Record<string, unknown>): GitPushInfo {
  const info: GitPushInfo = { provider };
  if (typeof payload.ref === 'string') info.ref = payload.ref;
  const after = typeof payload.after === 'string' ? payload.after : payload.checkout_sha;
  if (typeof after === 'string') info.after = after;
  return info;
}

/**
 * Creates the handler. It returns `false` for any other path (so the caller can route on),
 * `true` when it took the request. Answers: 405 non-POST; 401 without reading the body when
 * the headers carry no GitHub signature and no valid GitLab token (for a configured
 * provider); 413 body over the limit; 401 for a GitHub signature that does not match the
 * body (never `onPush`); 200 for `ping`, 400 for a body that is not a JSON object, 202 for
 * an accepted push (or an ignored event). Answers sent with the body unread (405, 413, the
 * header-only 401) close the connection.
 */
export function createGitWebhookHandler(options: GitWebhookOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const path = options.path ?? '/hooks/git';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES;
  const base = options.logger ?? pino({ level: 'silent' });
  // Keep a caller's `component` binding: pino would print the key twice.
  const logger = base.bindings().component ? base : base.child({ component: 'git-webhook' });
  const secrets = { ...(options.githubSecret ? { githubSecret: options.githubSecret } : {}), ...(options.gitlabToken ? { gitlabToken: options.gitlabToken } : {}) };
  if (!secrets.githubSecret && !secrets.gitlabToken) logger.warn('no webhook secret configured: every webhook request will be refused (401)');

  const refuse = (req: IncomingMessage, res: ServerResponse, headers: Record<string, string> = {}): void => {
    logger.warn({ remote: req.socket.remoteAddress }, 'webhook refused: no valid signature or token');
    reply(res, 401, { error: 'missing or invalid webhook signature or token' }, headers);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const check = checkWebhookHeaders(req.headers, secrets);
    // No credentials in the headers: answer before reading a byte of the body, and close the
    // connection so Node does not drain (read) the rest of it for keep-alive.
    if (check.outcome === 'refused') return refuse(req, res, { connection: 'close' });
    const read = await readLimitedBody(req, maxBodyBytes);
    if (!read.ok) {
      if (read.reason === 'too-large') logger.warn({ maxBodyBytes }, 'webhook body over the limit');
      return reply(res, 413, { error: `body exceeds ${maxBodyBytes} bytes` }, { connection: 'close' });
    }
    if (check.outcome === 'needs-body' && !verifyGithubBody(check.signature, check.secret, read.body)) return refuse(req, res);
    const provider = check.provider;
    const event = webhookEvent(req.headers, provider);
    if (provider === 'github' && event === 'ping') return reply(res, 200, { ok: true, event: 'ping' });
    const payload = parsePayload(req, read.body);
    if (payload === undefined) return reply(res, 400, { error: 'body is not a JSON object (send application/json push payloads)' });
    if (!isPushEvent(provider, event, payload)) return reply(res, 202, { ok: true, ignored: event ?? 'unknown' });
    const info = pushInfo(provider, payload);
    try {
      options.onPush(info);
    } catch (err) {
      logger.error({ err }, 'onPush threw');
    }
    logger.info({ provider, ref: info.ref, after: info.after }, 'push webhook received');
    reply(res, 202, { ok: true });
  }

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return false;
    if (req.method !== 'POST') {
      // Unauthenticated: never read (drain) a body here either.
      reply(res, 405, { error: 'use POST' }, { allow: 'POST', connection: 'close' });
      return true;
    }
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'webhook handler failed');
      reply(res, 500, { error: 'internal error' });
    });
    return true;
  };
}
