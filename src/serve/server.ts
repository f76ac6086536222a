import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createApiHandler } from '../api/handler.ts';
import type { OperatorView } from '../api/view.ts';
import { createEventLog } from '../api/event-log.ts';
import { createArtifactHandler } from '../artifacts/http-handler.ts';
import { createArtifactStore } from '../artifacts/store.ts';
import { createController, type Controller } from '../controller/controller.ts';
import { createOperatorView } from '../controller/operator-view.ts';
import { systemClock, type Clock, type ManifestSource, type StatusWriter } from '../controller/ports.ts';
import { createDashboardHandler } from '../dashboard/handler.ts';
import { healthHandler, metricsHandler } from '../metrics/handlers.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { createOpampServer, type OpampServer } from '../opamp/server.ts';
import { createGitManifestSource } from '../sources/git/git-source.ts';
import { createGitStatusWriter } from '../status/git/git-status-writer.ts';
import { createGitWebhookHandler } from '../webhooks/git-webhook.ts';
import type { ServeConfig } from './config.ts';
import { createRouter, sendJsonError, type RequestHandler, type UpgradeHandler } from './http-router.ts';
import { controllerLogic } from './logic.ts';
import { retryForever } from './retry.ts';

export interface RunningServer {
  /** Base URL the server listens on (with the real port when 0 was asked for). */
  url: string;
  port: number;
  controller: Controller;
  opamp: OpampServer;
  source: ManifestSource;
  /** What the API and dashboard show: policies with status and membership, agents, events. */
  view: OperatorView;
  /** Stops accepting, finishes the status commit, closes agents with 1001. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  logger: Logger;
  clock?: Clock;
  /** Controller tuning (tests and the demo plan faster than production). */
  controller?: { debounceMs?: number; minIntervalMs?: number; resyncMs?: number; inventoryIntervalMs?: number };
  /** OpAMP server tuning, merged over what the config implies. */
  opamp?: { heartbeatIntervalSeconds?: number; sweepIntervalMs?: number };
}

/**
 * `ringmaster serve` in Git mode: one port for OpAMP, artifacts, the push webhook, the API,
 * the dashboard, /metrics and health; the controller reconciles the fleet repository.
 */
export async function startServer(config: ServeConfig, options: StartServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const handlers: RequestHandler[] = [];
  const upgrades: UpgradeHandler[] = [];
  const router = createRouter([(req, res) => dispatchLate(handlers, req, res)], [(req, s, h) => upgrades.some((u) => u(req, s, h))], logger);
  const http = listenServer(config, router);
  const port = await listen(http, config.listen.host, config.listen.port);
  const scheme = config.tls ? 'https' : 'http';
  const url = `${scheme}://${urlHost(config.listen.host === '0.0.0.0' || config.listen.host === '::' ? '127.0.0.1' : config.listen.host)}:${port}`;
  const publicUrl = config.publicUrl ?? defaultPublicUrl(config, scheme, port, logger);

  const auth = {
    ...(config.git.token ? { token: config.git.token } : {}),
    ...(config.git.sshKeyFile ? { sshKeyFile: config.git.sshKeyFile } : {}),
    ...(config.git.knownHostsFile ? { knownHostsFile: config.git.knownHostsFile } : {}),
  };
  const source = createGitManifestSource({
    url: config.git.url, branch: config.git.branch, path: config.git.path, workDir: join(config.dataDir, 'git', 'source'),
    intervalMs: config.git.intervalMs, auth, logger: logger.child({ component: 'git-source' }),
  });
  const statusWriter: StatusWriter = createGitStatusWriter({
    url: config.git.url, watchedBranch: config.git.branch, ...(config.git.statusBranch ? { branch: config.git.statusBranch } : {}),
    path: config.git.path, workDir: join(config.dataDir, 'git', 'status'), author: config.git.author,
    intervalMs: config.git.statusIntervalMs, auth, logger: logger.child({ component: 'git-status' }),
  });
  const opamp = createOpampServer({
    tokens: config.agentTokens,
    ...(config.tls?.clientCaFile ? { tls: { certFile: config.tls.certFile, keyFile: config.tls.keyFile, caFile: config.tls.clientCaFile, requestClientCert: true } } : {}),
    publicBaseUrl: publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`,
    ...(config.downloadTokens[0] ? { downloadHeaders: { Authorization: `Bearer ${config.downloadTokens[0]}` } } : {}),
    ...options.opamp, clock, logger: logger.child({ component: 'opamp' }),
  });
  const store = createArtifactStore({ root: config.packagesDir, logger: logger.child({ component: 'artifacts' }) });
  const events = createEventLog();
  const metrics = createMetrics({ logger });
  const controller = createController({
    source, statusWriter, fleet: opamp, offers: opamp, logic: controllerLogic, clock, logger: logger.child({ component: 'controller' }),
    ...options.controller,
    onReconciled: (info) => {
      metrics.observeReconcile(info.durationMs / 1000, info.outcome === 'planned' ? 'success' : info.outcome === 'error' ? 'error' : 'stalled');
      if (controller.state.lastPlan && info.outcome === 'planned') view.recordPlan(controller.state.lastPlan, clock.now());
    },
  });
  // Declared after the controller (it reads its state); first used once the controller starts.
  const view = createOperatorView({ state: controller.state, fleet: opamp, events });
  metrics.attachView(view);
  metrics.addStatsSource('opamp', () => ({ ...opamp.stats() }) as unknown as Record<string, number>);
  metrics.addStatsSource('gitSource', () => numericStats(source));
  metrics.addStatsSource('gitStatus', () => numericStats(statusWriter));

  let sourceReady = false;
  const webhook = createGitWebhookHandler({
    ...(config.webhook.githubSecret ? { githubSecret: config.webhook.githubSecret } : {}),
    ...(config.webhook.gitlabToken ? { gitlabToken: config.webhook.gitlabToken } : {}),
    onPush: () => void source.sync().catch((err: unknown) => logger.warn({ err }, 'sync after webhook failed')),
    logger: logger.child({ component: 'webhook' }),
  });
  handlers.push(
    healthHandler({ ready: () => ({ ready: sourceReady, checks: { sourceSynced: sourceReady, opampListening: true } }) }),
    metricsHandler(metrics.registry, { tokens: config.apiTokens }),
    webhook,
    createArtifactHandler({ store, adminTokens: config.adminTokens, downloadTokens: config.downloadTokens, logger: logger.child({ component: 'artifacts' }) }),
    (req, res) => opamp.handleRequest(req, res),
    createApiHandler({ view, tokens: config.apiTokens, logger: logger.child({ component: 'api' }) }),
    createDashboardHandler({ view, tokens: config.apiTokens }),
  );
  upgrades.push((req, socket, head) => opamp.handleUpgrade(req, socket, head));
  if (config.agentTokens.length === 0) logger.warn('no agent tokens configured (RINGMASTER_AGENT_TOKENS): any agent may connect');
  if (!config.webhook.githubSecret && !config.webhook.gitlabToken) logger.info('no webhook secret configured: /hooks/git refuses every delivery; the repository is polled');

  // The fleet repository may be unreachable at start: keep serving agents, become ready later.
  let sourceStarted = false;
  const stopRetry = retryForever(async () => {
    if (!sourceStarted) {
      await source.start();
      sourceStarted = true;
    }
    await controller.start(); // reads the committed statuses: can fail while the remote is down
  }, {
    onError: (err, delayMs) => logger.error({ err, retryInMs: delayMs }, 'cannot read the fleet repository yet; retrying'),
    onSuccess: async () => {
      sourceReady = true;
      logger.info({ url, publicUrl, revision: source.current()?.revision }, 'ringmaster is serving');
    },
  });

  return {
    url, port, controller, opamp, source, view,
    async close() {
      stopRetry();
      // Stop accepting now; the listener closes once the agents' sockets are gone.
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      await controller.stop();
      await statusWriter.close();
      await source.stop();
      await opamp.close();
      http.closeAllConnections();
      await closed;
    },
  };
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
function numericStats(component: object): Record<string, number> {
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

function defaultPublicUrl(config: ServeConfig, scheme: string, port: number, logger: Logger): string {
  const wildcard = config.listen.host === '0.0.0.0' || config.listen.host === '::';
  const host = wildcard ? hostname() : config.listen.host;
  if (wildcard) logger.warn({ assumed: host }, 'no --public-url: agents are told to download artifacts from this host name');
  return `${scheme}://${urlHost(host)}:${port}`;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
