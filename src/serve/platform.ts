import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { createApiHandler } from '../api/handler.ts';
import { createEventLog, type EventLog } from '../api/event-log.ts';
import type { OperatorView } from '../api/view.ts';
import { createArtifactHandler } from '../artifacts/http-handler.ts';
import { createArtifactStore } from '../artifacts/store.ts';
import type { ReconcileInfo } from '../controller/controller.ts';
import { createOperatorView } from '../controller/operator-view.ts';
import { systemClock, type Clock } from '../controller/ports.ts';
import type { ControllerState } from '../controller/reconcile.ts';
import { createDashboardHandler } from '../dashboard/handler.ts';
import { healthHandler, metricsHandler } from '../metrics/handlers.ts';
import { createMetrics, type Metrics } from '../metrics/metrics.ts';
import { createOpampServer, type OpampServer } from '../opamp/server.ts';
import type { ServeConfig } from './config.ts';
import { createRouter, sendJsonError, type RequestHandler } from './http-router.ts';

export interface StartServerOptions {
  logger: Logger;
  clock?: Clock;
  /** Controller tuning (tests and the demo plan faster than production). */
  controller?: { debounceMs?: number; minIntervalMs?: number; resyncMs?: number; inventoryIntervalMs?: number; warmupMs?: number };
  /** Longest a graceful shutdown waits for the controller and the last status write. Default 30 s. */
  shutdownTimeoutMs?: number;
  /** Called when a component fails in a way retrying cannot fix (a terminal error). */
  onFatal?: (err: unknown) => void;
  /** OpAMP server tuning, merged over what the config implies. */
  opamp?: { heartbeatIntervalSeconds?: number; sweepIntervalMs?: number };
}

/** What both modes share: one listener serving OpAMP, artifacts, API, dashboard, metrics, health. */
export interface Platform {
  url: string;
  port: number;
  publicUrl: string;
  opamp: OpampServer;
  view: OperatorView;
  events: EventLog;
  metrics: Metrics;
  clock: Clock;
  /** Tells the view and metrics about a finished reconcile of `state`. */
  recordReconcile(state: Readonly<ControllerState> | undefined, info: ReconcileInfo): void;
  /** Stops accepting, closes agents with 1001 after `beforeAgents` (status flush), then the listener. */
  close(beforeAgents: () => Promise<void>): Promise<void>;
}

export interface PlatformParts {
  /** The controller state the view shows (it changes with each leadership term in Kubernetes mode). */
  state: () => Readonly<ControllerState> | undefined;
  /** Mode-specific handlers asked first (the Git push webhook). */
  handlers: RequestHandler[];
  /** `/readyz` checks besides `opampListening`. */
  ready: () => Record<string, boolean>;
}

/**
 * Listens, then builds the shared parts. Requests that arrive before they are mounted get
 * 503 `E_STARTING`. The mode wires its source, status writer and controller on top.
 */
export async function startPlatform(config: ServeConfig, options: StartServerOptions, parts: PlatformParts): Promise<Platform> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const handlers: RequestHandler[] = [];
  let opampRef: OpampServer | undefined;
  const router = createRouter([(req, res) => dispatchLate(handlers, req, res)], [(req, s, h) => opampRef?.handleUpgrade(req, s, h) ?? false], logger);
  const http = listenServer(config, router);
  const port = await listen(http, config.listen.host, config.listen.port);
  const scheme = config.tls ? 'https' : 'http';
  const wildcard = config.listen.host === '0.0.0.0' || config.listen.host === '::';
  const url = `${scheme}://${urlHost(wildcard ? '127.0.0.1' : config.listen.host)}:${port}`;
  const publicUrl = config.publicUrl ?? defaultPublicUrl(config.listen.host, wildcard, scheme, port, logger);
  const opamp = (opampRef = createOpampServer({
    tokens: config.agentTokens,
    ...(config.tls?.clientCaFile ? { tls: { certFile: config.tls.certFile, keyFile: config.tls.keyFile, caFile: config.tls.clientCaFile, requestClientCert: true } } : {}),
    publicBaseUrl: publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`,
    ...(config.downloadTokens[0] ? { downloadHeaders: { Authorization: `Bearer ${config.downloadTokens[0]}` } } : {}),
    ...config.opamp, ...options.opamp, clock, logger: logger.child({ component: 'opamp' }),
  }));
  const store = createArtifactStore({ root: config.packagesDir, logger: logger.child({ component: 'artifacts' }) });
  const events = createEventLog();
  const metrics = createMetrics({ logger });
  const view = createOperatorView({ state: parts.state, fleet: opamp, events });
  metrics.attachView(view);
  metrics.addStatsSource('opamp', () => ({ ...opamp.stats() }) as unknown as Record<string, number>);
  handlers.push(
    healthHandler({ ready: () => readiness(parts.ready()) }),
    metricsHandler(metrics.registry, { tokens: config.apiTokens }),
    ...parts.handlers,
    createArtifactHandler({ store, adminTokens: config.adminTokens, downloadTokens: config.downloadTokens, ...config.artifacts, logger: logger.child({ component: 'artifacts' }) }),
    (req, res) => opamp.handleRequest(req, res),
    createApiHandler({ view, tokens: config.apiTokens, logger: logger.child({ component: 'api' }) }),
    createDashboardHandler({ view, tokens: config.apiTokens }),
  );
  if (config.agentTokens.length === 0) logger.warn('no agent tokens configured (RINGMASTER_AGENT_TOKENS): any agent may connect');
  return {
    url, port, publicUrl, opamp, view, events, metrics, clock,
    recordReconcile(state, info) {
      metrics.observeReconcile(info.durationMs / 1000, info.outcome === 'planned' ? 'success' : info.outcome === 'error' ? 'error' : 'stalled');
      if (state?.lastPlan && info.outcome === 'planned') view.recordPlan(state.lastPlan, clock.now());
    },
    async close(beforeAgents) {
      // Stop accepting now; the listener closes once the agents' sockets are gone.
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      try {
        // Bounded: a status push that keeps failing must not keep the process (and every
        // agent connection) alive; the fleet repository keeps the last pushed status.
        await withTimeout(beforeAgents(), options.shutdownTimeoutMs ?? 30_000, 'finishing the controller and the status commit');
      } finally {
        await opamp.close();
        http.closeAllConnections();
        await closed;
      }
    },
  };
}

/** Runs every step even when earlier ones fail; rethrows the first failure at the end. */
export async function runAll(steps: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`shutdown: gave up ${what} after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function readiness(checks: Record<string, boolean>): { ready: boolean; checks: Record<string, boolean> } {
  const all = { ...checks, opampListening: true };
  return { ready: Object.values(all).every(Boolean), checks: all };
}

async function dispatchLate(handlers: readonly RequestHandler[], req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]): Promise<boolean> {
  if (handlers.length === 0) {
    sendJsonError(res, 503, 'E_STARTING', 'ringmaster is starting');
    return true;
  }
  for (const h of handlers) if (await h(req, res)) return true;
  return false;
}

/** The numeric counters of a component's `stats()`, for /metrics. */
export function numericStats(component: object): Record<string, number> {
  const withStats = component as { stats?: () => object };
  const s = (withStats.stats?.() ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(s).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

function listenServer(config: ServeConfig, router: ReturnType<typeof createRouter>): Server {
  const server = config.tls
    ? createHttpsServer({
        cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile),
        ...(config.tls.clientCaFile ? { ca: readFileSync(config.tls.clientCaFile), requestCert: true, rejectUnauthorized: false } : {}),
      }, router.onRequest)
    : createHttpServer(router.onRequest);
  server.on('upgrade', router.onUpgrade);
  return server;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function defaultPublicUrl(host: string, wildcard: boolean, scheme: string, port: number, logger: Logger): string {
  const name = wildcard ? hostname() : host;
  if (wildcard) logger.warn({ assumed: name }, 'no --public-url: agents are told to download artifacts from this host name');
  return `${scheme}://${urlHost(name)}:${port}`;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
