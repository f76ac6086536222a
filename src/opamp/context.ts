/**
 * What the transports share: resolved options, protocol state, counters, logger, clock.
 */
import type { Logger } from 'pino';
import type { Clock } from '../controller/ports.ts';
import type { Authenticator } from './auth.ts';
import { encodeServerToAgent } from './codec.ts';
import type { ServerToAgent } from './messages.ts';
import type { ResolvedOptions } from './options.ts';
import type { ProtocolState } from './protocol.ts';
import type { OpampServerStats } from './stats.ts';

/** Shared by both transports and the server facade. */
export interface ServerContext {
  options: ResolvedOptions;
  state: ProtocolState;
  auth: Authenticator;
  stats: OpampServerStats;
  logger: Logger;
  clock: Clock;
  /** Set by close(): new connections and requests are refused. */
  closing: boolean;
  nextSessionId(): number;
}

/** Encodes a reply and counts it. */
export function encodeReply(ctx: ServerContext, reply: ServerToAgent): Uint8Array {
  const bytes = encodeServerToAgent(reply);
  ctx.stats.messagesOut += 1;
  ctx.stats.bytesOut += bytes.byteLength;
  if (reply.packagesAvailable !== undefined) ctx.stats.offersSent += 1;
  return bytes;
}

/** True when the request is for the OpAMP endpoint. */
export function isOpampPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0];
  return path === '/v1/opamp';
}

/** Open WebSocket connections plus in-flight HTTP requests, against `maxConnections`. */
export function atCapacity(ctx: ServerContext): boolean {
  return ctx.stats.websocketConnectionsOpen + ctx.stats.httpRequestsInFlight >= ctx.options.maxConnections;
}
