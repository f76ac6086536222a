/**
 * Ringmaster's OpAMP server: WebSocket and plain-HTTP transports on `/v1/opamp`, the agent
 * registry (`FleetView`) and capability-gated package offers (`OfferSink`). Mount it on
 * the shared HTTP server with `handleRequest`/`handleUpgrade`, or run it alone with
 * `listen()`.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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
import { buildPackagesAvailable } from './offers.ts';
import type { OpampServerOptions, OpampTlsOptions } from './options.ts';
import { resolveOptions } from './options.ts';
import { markDelivered, markOffline, pendingOffer } from './protocol.ts';
import type { PreparedOffer, ProtocolState } from './protocol.ts';
import { toObservation } from './registry.ts';
import { newStats } from './stats.ts';
import type { OpampServerStats } from './stats.ts';
import { uuidFromString } from './uuid.ts';
import { createWsTransport } from './ws-transport.ts';

export type { OpampServerOptions } from './options.ts';

/** Where a standalone server listens. */
export interface ListeningAddress {
  port: number;
  /** `http(s)://host:port/v1/opamp`, for HTTP agents. */
  url: string;
  /** `ws(s)://host:port/v1/opamp`, for WebSocket agents. */
  wsUrl: string;
}

export interface OpampServer extends FleetView, OfferSink {
  /** Listens on its own HTTP(S) server (default 127.0.0.1:4320; port 0 picks one). */
  listen(options?: { port?: number; host?: string }): Promise<ListeningAddress>;
  /** Closes every WebSocket with 1001 "server shutting down", stops timers and the own listener. */
  close(): Promise<void>;
  /** Serves an HTTP request to `/v1/opamp`; false (untouched) for any other path. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** Takes a WebSocket upgrade to `/v1/opamp`; false (untouched) for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** A snapshot of the counters (for /metrics). */
  stats(): OpampServerStats;
  /** Subscribes to a typed event; returns the unsubscribe. */
  on<E extends OpampEventName>(event: E, listener: OpampListener<E>): () => void;
}

const shutdownGraceMs = 5000;

/**
 * Creates the server. Throws `OpampConfigError` for unusable options. Logs a loud warning
 * when no agent authentication is configured.
 */
export function createOpampServer(options: OpampServerOptions): OpampServer {
  const resolved = resolveOptions(options);
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = options.clock ?? systemClock;
  const emitter = createEmitter((error) => logger.error({ err: error }, 'OpAMP event listener threw'));
  const state: ProtocolState = { agents: new Map(), offers: new Map(), openSessions: new Set(), maxAgents: resolved.maxAgents, retryAfterSeconds: resolved.retryAfterSeconds, emitter };
  const auth = createAuthenticator(resolved.tokens, resolved.tls?.requestClientCert === true);
  let sessionIds = 0;
  const ctx: ServerContext = { options: resolved, state, auth, stats: newStats(), logger, clock, closing: false, nextSessionId: () => (sessionIds += 1) };
  const ws = createWsTransport(ctx);
  const http = createHttpTransport(ctx);
  if (!auth.enforcing) {
    logger.warn('OpAMP server has NO agent authentication: ANY client can connect and report as any agent. Configure agent tokens or client certificates.');
  }
  const timers = [
    setInterval(() => sweep(ctx, (uid) => http.forget(uid)), resolved.sweepIntervalMs),
    setInterval(() => ws.probe(), resolved.heartbeatIntervalSeconds * 1000),
  ];
  for (const timer of timers) timer.unref();
  let own: Server | undefined;

  const setOffers = (offers: readonly AgentOffer[]): void => {
    const encoding = { downloadHeaders: resolved.downloadHeaders, ...(resolved.publicBaseUrl === undefined ? {} : { publicBaseUrl: resolved.publicBaseUrl }) };
    const prepared = new Map<string, PreparedOffer>();
    // Build everything first: a bad offer throws before any agent's set is replaced.
    for (const offer of offers) prepared.set(offer.uid.toLowerCase(), { offer, message: buildPackagesAvailable(offer, encoding) });
    state.offers = prepared;
    pushChangedOffers(ctx, (sessionId, reply) => ws.send(sessionId, reply));
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!isOpampPath(req.url)) return false;
    http.handle(req, res);
    return true;
  };
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    if (!isOpampPath(req.url)) return false;
    ws.handleUpgrade(req, socket, head);
    return true;
  };

  return {
    agents: (): AgentObservation[] => [...state.agents.values()].map(toObservation),
    onChange(listener) {
      const offs = (['agentConnected', 'agentUpdated', 'packageStatusChanged', 'agentDisconnected'] as const).map((event) => emitter.on(event, ({ uid }) => listener(uid)));
      return () => offs.forEach((off) => off());
    },
    setOffers,
    handleRequest,
    handleUpgrade,
    stats: () => ({ ...ctx.stats, agentsKnown: state.agents.size, agentsOnline: [...state.agents.values()].filter((a) => a.online).length }),
    on: (event, listener) => emitter.on(event, listener),
    async listen(at = {}) {
      if (own !== undefined) throw new Error('OpAMP server is already listening');
      own = await createOwnServer(resolved.tls);
      own.on('request', (req, res) => {
        if (!handleRequest(req, res)) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: OpAMP is served at /v1/opamp\n');
      });
      own.on('upgrade', (req, socket, head) => {
        if (!handleUpgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      });
      const server = own;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(at.port ?? 4320, at.host ?? '127.0.0.1', () => resolve());
      });
      const { port, address } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      const secure = resolved.tls !== undefined;
      logger.info({ port, address, tls: secure }, 'OpAMP server listening');
      return { port, url: `${secure ? 'https' : 'http'}://${host}:${port}/v1/opamp`, wsUrl: `${secure ? 'wss' : 'ws'}://${host}:${port}/v1/opamp` };
    },
    async close() {
      ctx.closing = true;
      for (const timer of timers) clearInterval(timer);
      await ws.closeAll(shutdownGraceMs);
      if (own === undefined) return;
      const server = own;
      own = undefined;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Pushes the new set over WebSocket to exactly the agents whose wanted set changed. */
function pushChangedOffers(ctx: ServerContext, send: (sessionId: number, reply: { instanceUid: Uint8Array; packagesAvailable: PreparedOffer['message'] }) => boolean): void {
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

async function createOwnServer(tls: OpampTlsOptions | undefined): Promise<Server> {
  if (tls === undefined) return createHttpServer();
  const [cert, key, ca] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile), tls.caFile === undefined ? undefined : readFile(tls.caFile)]);
  // Unverified client certificates are not rejected at the TLS layer: bearer tokens may still
  // authenticate; the authenticator accepts a certificate only when `socket.authorized`.
  return createHttpsServer({ cert, key, ...(ca === undefined ? {} : { ca }), requestCert: tls.requestClientCert === true, rejectUnauthorized: false });
}
