/**
 * What the agent needs from an OpAMP transport (WebSocket or plain HTTP polling).
 */
import type { Logger } from 'pino';
import type { OpampSession } from './opamp-session.ts';

/** Connection settings and the session a transport carries. */
export interface TransportOptions {
  /** `ws(s)://…/v1/opamp` or `http(s)://…/v1/opamp`. */
  endpoint: string;
  /** Sent as `Authorization: Bearer <token>`; never logged. */
  token?: string;
  /** Extra trusted CA certificates (PEM). */
  ca?: string;
  /** WebSocket: heartbeat interval; HTTP: polling interval, ms. */
  heartbeatMs: number;
  reconnect: { initialMs: number; maxMs: number };
  /** Largest ServerToAgent accepted, bytes. */
  maxMessageBytes: number;
  random?: () => number;
  session: OpampSession;
  logger: Logger;
}

/** One transport; it reconnects by itself until stopped. */
export interface OpampTransport {
  /** Connects (and keeps reconnecting) in the background. */
  start(): void;
  /** Something changed: send a report soon (coalesced). */
  kick(): void;
  /** Sends `agent_disconnect` when connected, then closes. */
  stop(): Promise<void>;
  readonly connected: boolean;
}

/** The Authorization header for a token, if any. */
export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
