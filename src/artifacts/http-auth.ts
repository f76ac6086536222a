import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Bearer tokens for the artifact endpoints. Tokens are compared in constant time (over
 * their SHA-256, so length does not leak either) and never logged.
 */

/** Extracts the token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** True when `token` equals one of `allowed`; every candidate is compared, in constant time. */
export function tokenAllowed(token: string | undefined, allowed: readonly string[]): boolean {
  if (token === undefined) return false;
  const digest = sha256(token);
  let ok = false;
  for (const candidate of allowed) ok = timingSafeEqual(digest, sha256(candidate)) || ok;
  return ok;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
