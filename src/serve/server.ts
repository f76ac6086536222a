import { join } from 'node:path';
import type { OperatorView } from '../api/view.ts';
import { createController, type Controller } from '../controller/controller.ts';
import type { ManifestSource, StatusWriter } from '../controller/ports.ts';
import type { OpampServer } from '../opamp/server.ts';
import { createGitManifestSource } from '../sources/git/git-source.ts';
import { createGitStatusWriter } from '../status/git/git-status-writer.ts';
import { createGitWebhookHandler } from '../webhooks/git-webhook.ts';
import { ConfigError, type ServeConfig } from './config.ts';
import { controllerLogic } from './logic.ts';
import { numericStats, runAll, startPlatform, type StartServerOptions } from './platform.ts';
import { retryForever } from './retry.ts';

export type { StartServerOptions };

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

/**
 * `ringmaster serve` in Git mode: one port for OpAMP, artifacts, the push webhook, the API,
 * the dashboard, /metrics and health; the controller reconciles the fleet repository.
 */
export async function startServer(config: ServeConfig, options: StartServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const git = config.git;
  if (!git) throw new ConfigError('Git mode needs a fleet repository (git.url); for custom resources use startKubeServer');
  const auth = {
    ...(git.token ? { token: git.token } : {}),
    ...(git.sshKeyFile ? { sshKeyFile: git.sshKeyFile } : {}),
    ...(git.knownHostsFile ? { knownHostsFile: git.knownHostsFile } : {}),
  };
  const source = createGitManifestSource({
    url: git.url, branch: git.branch, path: git.path, workDir: join(config.dataDir, 'git', 'source'),
    intervalMs: git.intervalMs, auth, logger: logger.child({ component: 'git-source' }),
  });
  const statusWriter: StatusWriter = createGitStatusWriter({
    url: git.url, watchedBranch: git.branch, ...(git.statusBranch ? { branch: git.statusBranch } : {}),
    path: git.path, workDir: join(config.dataDir, 'git', 'status'), author: git.author,
    intervalMs: git.statusIntervalMs, auth, logger: logger.child({ component: 'git-status' }),
  });
  const webhook = createGitWebhookHandler({
    ...(config.webhook.githubSecret ? { githubSecret: config.webhook.githubSecret } : {}),
    ...(config.webhook.gitlabToken ? { gitlabToken: config.webhook.gitlabToken } : {}),
    onPush: () => void source.sync().catch((err: unknown) => logger.warn({ err }, 'sync after webhook failed')),
    logger: logger.child({ component: 'webhook' }),
  });
  let sourceReady = false;
  // The controller needs the platform (fleet, offers) and the platform's view needs the
  // controller's state: the view reads it through this holder, filled just below.
  const holder: { controller?: Controller } = {};
  const platform = await startPlatform(config, options, {
    state: () => holder.controller?.state, handlers: [webhook], ready: () => ({ sourceSynced: sourceReady }),
  });
  const running = createController({
    source, statusWriter, fleet: platform.opamp, offers: platform.opamp, logic: controllerLogic, clock: platform.clock,
    logger: logger.child({ component: 'controller' }), ...(config.warmupMs !== undefined ? { warmupMs: config.warmupMs } : {}), ...options.controller,
    onReconciled: (info) => platform.recordReconcile(running.state, info),
  });
  holder.controller = running;
  platform.metrics.addStatsSource('gitSource', () => numericStats(source));
  platform.metrics.addStatsSource('gitStatus', () => numericStats(statusWriter));
  if (!config.webhook.githubSecret && !config.webhook.gitlabToken) logger.info('no webhook secret configured: /hooks/git refuses every delivery; the repository is polled');

  // The fleet repository may be unreachable at start: keep serving agents, become ready later.
  let sourceStarted = false;
  let closing = false;
  const stopRetry = retryForever(async () => {
    if (closing) return;
    if (!sourceStarted) {
      await source.start();
      sourceStarted = true;
    }
    await running.start(); // reads the committed statuses: can fail while the remote is down
  }, {
    onError: (err, delayMs) => logger.error({ err, retryInMs: delayMs }, 'cannot read the fleet repository yet; retrying'),
    // A terminal error (a work dir that is not ours, a bad branch name) will not heal by waiting.
    isTerminal: (err) => (err as { kind?: string }).kind === 'terminal',
    onTerminal: (err) => {
      logger.error({ err }, 'cannot serve this fleet repository; fix the setting and restart');
      options.onFatal?.(err);
    },
    onSuccess: async () => {
      sourceReady = true;
      logger.info({ url: platform.url, publicUrl: platform.publicUrl, revision: source.current()?.revision }, 'ringmaster is serving');
    },
  });

  return {
    url: platform.url, port: platform.port, controller: running, opamp: platform.opamp, source, view: platform.view,
    async close() {
      closing = true;
      stopRetry();
      await platform.close(() => runAll([() => running.stop(), () => statusWriter.close(), () => source.stop()]));
    },
  };
}
