import type { IncomingMessage, ServerResponse } from 'node:http';
import { TOKEN_COOKIE, type ReadAuth } from '../api/auth.ts';
import { html, type SafeHtml } from './html.ts';
import { renderMessagePage } from './page.ts';

/** How long the browser keeps the token cookie. */
const COOKIE_MAX_AGE_S = 12 * 3600;

/**
 * The dashboard's security headers: scripts, styles and connections only from this
 * origin (no inline script; bars are SVG attributes, not inline styles), no framing,
 * no referrer (a `?token=` URL never leaks), no caching of live data.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/** Writes an HTML page or fragment with the dashboard's security headers. */
export function sendHtml(res: ServerResponse, status: number, body: SafeHtml, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...PAGE_HEADERS, ...headers });
  res.end(body.value);
}

/**
 * Browser login: `?token=<token>` on a page sets the token as an HttpOnly, SameSite=Strict
 * cookie (Secure on TLS) and redirects to the same URL without it, so the token leaves the
 * address bar and history. EventSource cannot send headers; the cookie covers the API too.
 * Returns true when it answered the request.
 */
export function loginRedirect(req: IncomingMessage, res: ServerResponse, url: URL, auth: ReadAuth): boolean {
  const token = url.searchParams.get('token');
  if (token === null) return false;
  if (!auth.accepts(token)) {
    sendHtml(res, 401, renderMessagePage('Sign in', html`<p>That token is not valid for this server.</p>`));
    return true;
  }
  const target = new URL(url);
  target.searchParams.delete('token');
  const secure = 'encrypted' in req.socket && req.socket.encrypted ? '; Secure' : '';
  const cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}${secure}`;
  sendHtml(res, 303, html`<p>Signed in.</p>`, auth.open ? { location: target.pathname + target.search } : { location: target.pathname + target.search, 'set-cookie': cookie });
  return true;
}
