/**
 * Ringmaster's OpAMP server: WebSocket and plain-HTTP transports on `/v1/opamp`, the agent
 * registry (`FleetView`) and capability-gated package offers (`OfferSink`). Mount it on
 * the shared HTTP server with `handleRequest`/`handleUpgrade`, or run it alone with
 * `listen()`. docs/opamp.md is the operator's view of the same rules.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import type { FleetView, OfferSink } from '../controller/ports.ts';
import { systemClock } from '../controller/ports.ts';
import type { AgentObservation, AgentOffer } from '../rollout/types.ts';
import { createAuthenticator } from './auth.ts';
import { isOpampPath } from './context.ts';
import type { ServerContext } from './context.ts';
import { createEmitter } from './events.ts';
import type { OpampEventName, OpampListener } from './events.ts';
import { createHttpTransport } from './http-transport.ts';
import type { ServerToAgent } from './messages.ts';
import { buildPackagesAvailable } from './offers.ts';
import type { OpampServerOptions } from './options.ts';
import { resolveOptions } from './options.ts';
import { markDelivered, markOffline, pendingOffer } from './protocol.ts';
import type { PreparedOffer } from './protocol.ts';
import { toObservation } from './registry.ts';
import { closeStandalone, listenStandalone } from './standalone.ts';
import type { ListeningAddress } from './standalone.ts';
import { newStats } from './stats.ts';
import type { OpampServerStats } from './stats.ts';
import { uuidFromString } from './uuid.ts';
import { createWsTransport } from './ws-transport.ts';

export type { OpampServerOptions, OpampTlsOptions } from './options.ts';
export type { ListeningAddress } from './standalone.ts';
export type { OpampServerEvents, OpampEventName, OpampListener } from './events.ts';
export type { OpampServerStats } from './stats.ts';
export { readTokens, OpampTokenError } from './auth.ts';
export type { TokenSources } from './auth.ts';
export { OpampConfigError, opampDefaults } from './options.ts';
export { OpampOfferError } from './offers.ts';

export interface OpampServer extends FleetView, OfferSink {
  /** Listens on its own HTTP(S) server (default 127.0.0.1:4320; port 0 picks a free one). */
  listen(options?: { port?: number; host?: string }): Promise<ListeningAddress>;
  /** Closes every WebSocket with 1001 "server shutting down", stops timers and the own listener. */
  close(): Promise<void>;
  /** Serves an HTTP request to `/v1/opamp`; false (response untouched) for any other path. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Takes a WebSocket upgrade to `/v1/opamp`; false (socket untouched) for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** A snapshot of the counters (for /metrics). */
  stats(): OpampServerStats;
  /** Subscribes to a typed event; returns the unsubscribe. */
  on<E extends OpampEventName>(event: E, listener: OpampListener<E>): () => void;
}

const shutdownGraceMs = 5000;

/**
 * Creates the server (already serving when mounted; `listen()` for its own port). Throws
 * `OpampConfigError` for unusable options. Logs a loud warning when no agent
 * authentication is configured.
 */
export function createOpampServer(options: OpampServerOptions): OpampServer {
  const ctx = createContext(options);
  const ws = createWsTransport(ctx);
  const http = createHttpTransport(ctx);
  const timers = [
    setInterval(() => sweep(ctx, (uid) => http.forget(uid)), ctx.options.sweepIntervalMs),
    setInterval(() => ws.probe(), ctx.options.heartbeatIntervalSeconds * 1000),
  ];
  for (const timer of timers) timer.unref();
  let own: Server | undefined;
  const handlers = {
    handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
      if (!isOpampPath(req.url)) return false;
      http.handle(req, res);
      return true;
    },
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      if (!isOpampPath(req.url)) return false;
      ws.handleUpgrade(req, socket, head);
      return true;
    },
  };
  return {
    ...handlers,
    agents: (): AgentObservation[] => [...ctx.state.agents.values()].map(toObservation),
    onChange: (listener) => onAnyChange(ctx, listener),
    setOffers: (offers) => setOffers(ctx, offers, (sessionId, reply) => ws.send(sessionId, reply)),
    stats: () => ({ ...ctx.stats, agentsKnown: ctx.state.agents.size, agentsOnline: [...ctx.state.agents.values()].filter((a) => a.online).length }),
    on: (event, listener) => ctx.state.emitter.on(event, listener),
    async listen(at = {}) {
      if (own !== undefined) throw new Error('OpAMP server is already listening');
      const started = await listenStandalone(handlers, ctx.options.tls, at.port ?? 4320, at.host ?? '127.0.0.1');
      own = started.server;
      ctx.logger.info({ url: started.address.url, tls: ctx.options.tls !== undefined }, 'OpAMP server listening');
      return started.address;
    },
    async close() {
      ctx.closing = true;
      for (const timer of timers) clearInterval(timer);
      await ws.closeAll(shutdownGraceMs);
      if (own !== undefined) await closeStandalone(own);
      own = undefined;
    },
  };
}

function createContext(options: OpampServerOptions): ServerContext {
  const resolved = resolveOptions(options);
  const logger = options.logger ?? pino({ level: 'silent' });
  const emitter = createEmitter((error) => logger.error({ err: error }, 'OpAMP event listener threw'));
  const auth = createAuthenticator(resolved.tokens, resolved.tls?.requestClientCert === true);
  if (!auth.enforcing) {
    logger.warn('OpAMP server has NO agent authentication: ANY client can connect and report as any agent. Configure agent tokens or client certificates.');
  }
  let sessionIds = 0;
  return {
    options: resolved,
    state: { agents: new Map(), offers: new Map(), openSessions: new Set(), maxAgents: resolved.maxAgents, retryAfterSeconds: resolved.retryAfterSeconds, emitter },
    auth,
    stats: newStats(),
    logger,
    clock: options.clock ?? systemClock,
    closing: false,
    nextSessionId: () => (sessionIds += 1),
  };
}

function onAnyChange(ctx: ServerContext, listener: (uid: string) => void): () => void {
  const events = ['agentConnected', 'agentUpdated', 'packageStatusChanged', 'agentDisconnected'] as const;
  const offs = events.map((event) => ctx.state.emitter.on(event, ({ uid }) => listener(uid)));
  return () => offs.forEach((off) => off());
}

/**
 * Replaces the wanted sets, then pushes over WebSocket to exactly the agents whose set
 * changed (HTTP agents get theirs on the next poll). Every offer is encoded before
 * anything is replaced, so a bad one (`OpampOfferError`) leaves the previous sets in force.
 */
function setOffers(ctx: ServerContext, offers: readonly AgentOffer[], send: (sessionId: number, reply: ServerToAgent) => boolean): void {
  const { publicBaseUrl, downloadHeaders } = ctx.options;
  const encoding = { downloadHeaders, ...(publicBaseUrl === undefined ? {} : { publicBaseUrl }) };
  const prepared = new Map<string, PreparedOffer>();
  for (const offer of offers) prepared.set(offer.uid.toLowerCase(), { offer, message: buildPackagesAvailable(offer, encoding) });
  ctx.state.offers = prepared;
  const now = ctx.clock.now();
  for (const record of ctx.state.agents.values()) {
    if (!record.online || record.sessionId === undefined) continue;
    const offer = pendingOffer(ctx.state, record, false);
    if (offer === undefined) continue;
    if (send(record.sessionId, { instanceUid: uuidFromString(record.uid), packagesAvailable: offer.message })) markDelivered(record, offer.offer, now);
  }
}

/** HTTP agents go offline after 3 missed polls; offline agents are forgotten after the retention. */
function sweep(ctx: ServerContext, forget: (uid: string) => void): void {
  const now = ctx.clock.now();
  const missedAfter = 3 * ctx.options.heartbeatIntervalSeconds * 1000;
  for (const record of [...ctx.state.agents.values()]) {
    if (record.online && record.transport === 'http' && now - record.lastSeen > missedAfter) markOffline(ctx.state, record, 'heartbeatMissed');
    if (!record.online && now - record.lastSeen > ctx.options.offlineRetentionMs) {
      ctx.state.agents.delete(record.uid);
      forget(record.uid);
      ctx.state.emitter.emit('agentDisconnected', { uid: record.uid, reason: 'forgotten' });
    }
  }
}
