import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The cookie the dashboard sets after a `?token=` login; the API accepts it like a bearer token. */
export const TOKEN_COOKIE = 'ringmaster_token';

/** Decides whether a request may read the operators' view. */
export interface ReadAuth {
  /** True when no tokens are configured (open access). */
  readonly open: boolean;
  /** Constant-time check of one presented token. */
  accepts(token: string | undefined): boolean;
  /** Checks the `Authorization: Bearer` header, then the token cookie. */
  allows(req: IncomingMessage): boolean;
}

/**
 * Creates the read-access check. With no tokens (or an empty list) everything is allowed;
 * otherwise a request must present one of them. Tokens are compared as SHA-256 digests
 * with `timingSafeEqual`, so neither content nor length leaks through timing, and every
 * configured token is compared (no early exit).
 */
export function createReadAuth(tokens: readonly string[] | undefined): ReadAuth {
  const digests = (tokens ?? []).filter((t) => t.length > 0).map(digest);
  const accepts = (token: string | undefined): boolean => {
    if (digests.length === 0) return true;
    if (token === undefined || token.length === 0) return false;
    const presented = digest(token);
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(d, presented) || ok;
    return ok;
  };
  return {
    open: digests.length === 0,
    accepts,
    allows: (req) => accepts(bearerToken(req) ?? cookieValue(req, TOKEN_COOKIE)),
  };
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** The value of one cookie of the request, if present. */
export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
