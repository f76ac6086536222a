/**
 * Authenticates push webhooks. GitHub signs the raw body (`X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256>`); GitLab sends a shared token (`X-Gitlab-Token`). Both are
 * compared in constant time; neither secret is ever logged. The headers are checked first,
 * so a request that cannot authenticate is refused before its body is read.
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
 * What the headers alone say about a request, decided before a single body byte is read:
 * - `refused`: neither a GitLab token nor a GitHub signature for a configured provider, or a
 *   wrong GitLab token (and no GitHub signature to try instead): answer 401 at once;
 * - `authenticated`: the GitLab token matched (GitLab does not sign the body);
 * - `needs-body`: a GitHub signature is present; read the body (within the limit) and check
 *   it with `verifyGithubBody`.
 */
export type WebhookHeaderCheck =
  | { outcome: 'refused' }
  | { outcome: 'authenticated'; provider: 'gitlab' }
  | { outcome: 'needs-body'; provider: 'github'; signature: string; secret: string };

/**
 * Checks the authentication headers against the configured secrets only (a provider with no
 * secret never authenticates). A valid GitLab token wins; otherwise a GitHub signature
 * header defers to the body.
 */
export function checkWebhookHeaders(headers: IncomingHttpHeaders, secrets: WebhookSecrets): WebhookHeaderCheck {
  const token = header(headers, 'x-gitlab-token');
  if (secrets.gitlabToken && token !== undefined && safeEqual(token, secrets.gitlabToken)) return { outcome: 'authenticated', provider: 'gitlab' };
  const signature = header(headers, 'x-hub-signature-256');
  if (secrets.githubSecret && signature !== undefined) return { outcome: 'needs-body', provider: 'github', signature, secret: secrets.githubSecret };
  return { outcome: 'refused' };
}

/** True when `signature` (`sha256=<hex>`, any case) is GitHub's HMAC of `body` under `secret`. */
export function verifyGithubBody(signature: string, secret: string, body: Buffer): boolean {
  return safeEqual(signature.toLowerCase(), githubSignature(secret, body));
}

/** The event name the provider sent (`push`, `ping`, `Push Hook`, …), if any. */
export function webhookEvent(headers: IncomingHttpHeaders, provider: WebhookProvider): string | undefined {
  return header(headers, provider === 'github' ? 'x-github-event' : 'x-gitlab-event');
}
