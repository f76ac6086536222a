/**
 * Authenticates push webhooks. GitHub signs the raw body (`X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256>`); GitLab sends a shared token (`X-Gitlab-Token`). Both are
 * compared in constant time; neither secret is ever logged.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type WebhookProvider = 'github' | 'gitlab';

export interface WebhookSecrets {
  githubSecret?: string;
  gitlabToken?: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time string comparison: both sides are hashed first, so lengths leak nothing. */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** `sha256=<hex>` as GitHub computes it for `body`. */
export function githubSignature(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Which provider the request authenticated as, or undefined (answer 401). A request is
 * checked only against the providers that have a secret configured.
 */
export function authenticateWebhook(headers: IncomingHttpHeaders, body: Buffer, secrets: WebhookSecrets): WebhookProvider | undefined {
  const signature = header(headers, 'x-hub-signature-256');
  if (secrets.githubSecret && signature !== undefined && safeEqual(signature.toLowerCase(), githubSignature(secrets.githubSecret, body))) {
    return 'github';
  }
  const token = header(headers, 'x-gitlab-token');
  if (secrets.gitlabToken && token !== undefined && safeEqual(token, secrets.gitlabToken)) return 'gitlab';
  return undefined;
}

/** The event name the provider sent (`push`, `ping`, `Push Hook`, …), if any. */
export function webhookEvent(headers: IncomingHttpHeaders, provider: WebhookProvider): string | undefined {
  return header(headers, provider === 'github' ? 'x-github-event' : 'x-gitlab-event');
}
