/**
 * Agent authentication, checked before any OpAMP processing (and before a WebSocket
 * upgrade): a bearer token from the configured set, or a client certificate verified by
 * the TLS layer. Tokens are compared in constant time and never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Token configuration that cannot be read or is unusable. */
export class OpampTokenError extends Error {
  readonly code = 'E_OPAMP_TOKENS' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpampTokenError';
  }
}

/** Decides whether a request comes from an authorised agent. */
export interface Authenticator {
  /** False when neither tokens nor client certificates are configured: everyone is let in. */
  readonly enforcing: boolean;
  check(req: IncomingMessage): boolean;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Builds the authenticator. Any configured credential suffices: a matching bearer token,
 * or (when `clientCertificates` is on) a client certificate the TLS layer verified.
 */
export function createAuthenticator(tokens: readonly string[], clientCertificates: boolean): Authenticator {
  // Comparing fixed-length digests keeps the comparison constant-time whatever the length.
  const digests = tokens.map(digest);
  const enforcing = digests.length > 0 || clientCertificates;
  return {
    enforcing,
    check(req) {
      if (!enforcing) return true;
      if (clientCertificates && (req.socket as Partial<TLSSocket>).authorized === true) return true;
      const presented = bearerToken(req.headers.authorization);
      if (presented === undefined) return false;
      const candidate = digest(presented);
      let match = false;
      for (const known of digests) match = timingSafeEqual(known, candidate) || match;
      return match;
    },
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Where to read agent tokens from. */
export interface TokenSources {
  /** A file with one token per line; blank lines and `#` comments are ignored. */
  file?: string;
  /** Name of an environment variable holding tokens separated by commas or newlines. */
  env?: string;
  /** The environment to read `env` from (default `process.env`). */
  environment?: Readonly<Record<string, string | undefined>>;
}

/**
 * Reads agent bearer tokens from a file and/or an environment variable, merged and
 * de-duplicated. Throws `OpampTokenError` when the file cannot be read, or a token
 * contains whitespace (it could never match a `Bearer` header).
 */
export async function readTokens(sources: TokenSources): Promise<string[]> {
  const tokens: string[] = [];
  if (sources.file !== undefined) {
    let text: string;
    try {
      text = await readFile(sources.file, 'utf8');
    } catch (error) {
      throw new OpampTokenError(`cannot read agent token file ${sources.file}: ${(error as Error).message}`, { cause: error });
    }
    text.split(/\r?\n/).forEach((line, index) => addToken(tokens, line.replace(/#.*$/, ''), `${sources.file}:${index + 1}`));
  }
  if (sources.env !== undefined) {
    const value = (sources.environment ?? process.env)[sources.env] ?? '';
    value.split(/[,\n]/).forEach((part, index) => addToken(tokens, part, `$${sources.env} entry ${index + 1}`));
  }
  return [...new Set(tokens)];
}

function addToken(tokens: string[], raw: string, where: string): void {
  const token = raw.trim();
  if (token === '') return;
  if (/\s/.test(token)) throw new OpampTokenError(`agent token at ${where} contains whitespace; one token per line`);
  tokens.push(token);
}
