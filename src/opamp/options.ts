/**
 * OpAMP server options and their defaults. Every limit is explicit and configurable
 * (docs/opamp.md lists them).
 */
import type { Logger } from 'pino';
import type { Clock } from '../controller/ports.ts';

export interface OpampTlsOptions {
  certFile: string;
  keyFile: string;
  /** CA bundle that client certificates must chain to. */
  caFile?: string;
  /** Ask agents for a client certificate; a verified one authenticates the agent. */
  requestClientCert?: boolean;
}

export interface OpampServerOptions {
  /** Accepted bearer tokens. Empty or absent (and no client certificates): anyone may connect. */
  tokens?: string[];
  /** TLS for `listen()`; when mounted, the shared server's TLS applies. */
  tls?: OpampTlsOptions;
  /** Relative `OfferedFile.url` values resolve against this. */
  publicBaseUrl?: string;
  /**
   * Credentials for the artifact store (e.g. an `Authorization` token), added to a
   * `DownloadableFile` only when its URL has the same origin as `publicBaseUrl`.
   */
  downloadHeaders?: Record<string, string>;
  /** Largest AgentToServer accepted, after gzip decompression. Default 16 MiB. */
  maxMessageBytes?: number;
  /** Open WebSocket connections plus in-flight HTTP requests. Default 10000. */
  maxConnections?: number;
  /** Sustained messages per second per agent connection. Default 10. */
  messagesPerSecond?: number;
  /** Messages an agent may send at once above the sustained rate. Default 20. */
  burst?: number;
  /** Malformed messages tolerated on one connection before it is closed. Default 5. */
  maxBadMessages?: number;
  /** Expected HTTP poll interval; an HTTP agent is offline after 3 missed. Default 30. */
  heartbeatIntervalSeconds?: number;
  /** Offline agents are forgotten after this long. Default 24 h. */
  offlineRetentionMs?: number;
  /** How often offline detection and forgetting run. Default 5000 ms. */
  sweepIntervalMs?: number;
  /** `Retry-After` / `retry_info` suggested when refusing for capacity. Default 30 s. */
  retryAfterSeconds?: number;
  /** Agents held in the registry; new ones beyond get `Unavailable`. Default 100000. */
  maxAgents?: number;
  /** Replies queued for a WebSocket agent that is not reading; beyond, it is cut off. Default 8 MiB. */
  maxBufferedBytes?: number;
  clock?: Clock;
  logger?: Logger;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  tokens: string[];
  tls?: OpampTlsOptions;
  publicBaseUrl?: string;
  downloadHeaders: Record<string, string>;
  maxMessageBytes: number;
  maxConnections: number;
  messagesPerSecond: number;
  burst: number;
  maxBadMessages: number;
  heartbeatIntervalSeconds: number;
  offlineRetentionMs: number;
  sweepIntervalMs: number;
  retryAfterSeconds: number;
  maxAgents: number;
  maxBufferedBytes: number;
}

/** An option value the server cannot run with. */
export class OpampConfigError extends Error {
  readonly code = 'E_OPAMP_CONFIG' as const;

  constructor(message: string) {
    super(message);
    this.name = 'OpampConfigError';
  }
}

/** The defaults docs/opamp.md documents. */
export const opampDefaults = {
  maxMessageBytes: 16 * 1024 * 1024,
  maxConnections: 10_000,
  messagesPerSecond: 10,
  burst: 20,
  maxBadMessages: 5,
  heartbeatIntervalSeconds: 30,
  offlineRetentionMs: 24 * 60 * 60 * 1000,
  sweepIntervalMs: 5000,
  retryAfterSeconds: 30,
  maxAgents: 100_000,
  maxBufferedBytes: 8 * 1024 * 1024,
} as const;

/** Fills defaults and validates; throws `OpampConfigError` naming the bad option. */
export function resolveOptions(options: OpampServerOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    tokens: [...(options.tokens ?? [])],
    downloadHeaders: { ...(options.downloadHeaders ?? {}) },
    maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes),
    maxConnections: positive('maxConnections', options.maxConnections),
    messagesPerSecond: positive('messagesPerSecond', options.messagesPerSecond),
    burst: positive('burst', options.burst),
    maxBadMessages: positive('maxBadMessages', options.maxBadMessages),
    heartbeatIntervalSeconds: positive('heartbeatIntervalSeconds', options.heartbeatIntervalSeconds),
    offlineRetentionMs: positive('offlineRetentionMs', options.offlineRetentionMs),
    sweepIntervalMs: positive('sweepIntervalMs', options.sweepIntervalMs),
    retryAfterSeconds: positive('retryAfterSeconds', options.retryAfterSeconds),
    maxAgents: positive('maxAgents', options.maxAgents),
    maxBufferedBytes: positive('maxBufferedBytes', options.maxBufferedBytes),
  };
  if (options.tls !== undefined) resolved.tls = options.tls;
  if (options.publicBaseUrl !== undefined) {
    if (!URL.canParse(options.publicBaseUrl)) throw new OpampConfigError(`publicBaseUrl must be an absolute URL, got ${JSON.stringify(options.publicBaseUrl)}`);
    resolved.publicBaseUrl = options.publicBaseUrl;
  }
  if (resolved.tokens.some((token) => token === '' || /\s/.test(token))) throw new OpampConfigError('tokens must be non-empty and contain no whitespace');
  return resolved;
}

function positive(name: keyof typeof opampDefaults, value: number | undefined): number {
  const chosen = value ?? opampDefaults[name];
  if (!Number.isFinite(chosen) || chosen <= 0) throw new OpampConfigError(`${name} must be a positive number, got ${String(value)}`);
  return chosen;
}
