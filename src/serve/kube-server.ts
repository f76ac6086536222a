import type { KubeConfig } from '@kubernetes/client-node';
import type { OperatorView } from '../api/view.ts';
import { createController, type Controller } from '../controller/controller.ts';
import type { ControllerLogic } from '../controller/reconcile.ts';
import { createKubeMode, type KubeMode } from '../kube/kube-mode.ts';
import type { AggregateCounts } from '../kube/replica-aggregate.ts';
import type { OpampServer } from '../opamp/server.ts';
import { planRollout } from '../rollout/plan.ts';
import { replicaView, type ReplicaPublication } from '../rollout/replica-view.ts';
import { ConfigError, type KubeServeConfig, type ServeConfig } from './config.ts';
import { controllerLogic } from './logic.ts';
import { startPlatform, type StartServerOptions } from './platform.ts';

export interface KubeRunningServer {
  url: string;
  port: number;
  opamp: OpampServer;
  view: OperatorView;
  mode: KubeMode;
  /** The controller of the current role (leader or follower). */
  controller(): Controller | undefined;
  leading(): boolean;
  /** Resolves once every role change so far has been acted on (tests). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface KubeServerOptions extends StartServerOptions {
  kubeConfig?: KubeConfig;
  /** How often the other replicas' published counts are read. Default 2 s. */
  aggregateRefreshMs?: number;
  election?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
}

/**
 * `ringmaster serve --kube`. Every replica serves OpAMP, artifacts, the API and the
 * dashboard, and runs a controller for its own agents. The replica holding the Lease runs
 * it as the leader: its gates count the whole fleet (its agents plus the counts the others
 * publish) and it writes `.status`. The others follow the leader's statuses: they open
 * exactly the rings the leader opened, within their share of each ring's `maxConcurrent`,
 * and write nothing. A new controller starts at every role change, so a new leader resumes
 * from the statuses stored in the API.
 */
export async function startKubeServer(config: ServeConfig, options: KubeServerOptions): Promise<KubeRunningServer> {
  const kube = config.kube;
  if (!kube) throw new ConfigError('Kubernetes mode needs kube settings (serve --kube)');
  const { logger } = options;
  let controller: Controller | undefined;
  let leading = false;
  let term: Promise<void> = Promise.resolve();
  let listed = false;
  let closing = false;
  const platform = await startPlatform(config, options, { state: () => controller?.state, handlers: [], ready: () => ({ resourcesListed: listed }) });
  const replicas = createReplicaPublications(kube.identity);

  const logic = (lead: boolean): ControllerLogic => ({
    ...controllerLogic,
    plan: (input) => {
      const view = replicaView(input.policies, replicas.all(), kube.identity);
      // During the controller's warm-up the input already follows its own statuses.
      const replica = input.replica ?? (lead ? { remoteCounts: view.remoteCounts, budgets: view.budgets } : { follow: mode.leaderStatuses(), budgets: view.budgets });
      const result = planRollout({ ...input, replica });
      // Our own counts feed our next plan at once, and the others' at the next read.
      if (result.replica && replicas.setOwn(result.replica)) {
        void mode.publishNow().then(
          () => controller?.reconcileNow(),
          (err: unknown) => logger.warn({ err }, 'could not publish this replica\'s counts; the heartbeat retries'),
        );
      }
      return result;
    },
  });
  const startRole = async (lead: boolean): Promise<void> => {
    await controller?.stop();
    leading = lead;
    const running = createController({
      source: mode.source, statusWriter: mode.statusWriter, fleet: platform.opamp, offers: platform.opamp, logic: logic(lead),
      clock: platform.clock, logger: logger.child({ component: 'controller', role: lead ? 'leader' : 'follower' }),
      ...(config.warmupMs !== undefined ? { warmupMs: config.warmupMs } : {}), ...options.controller,
      onReconciled: (info) => {
        if (lead) mode.onReconciled(info);
        platform.recordReconcile(running.state, info);
      },
    });
    controller = running;
    logger.info({ identity: kube.identity }, lead ? 'leading: gates count the whole fleet, status is written here' : 'following the leader\'s statuses');
    try {
      await running.start(); // lists the statuses from the API server: can fail
    } catch (err) {
      logger.error({ err }, 'controller did not start; retrying in 2 s');
      await running.stop();
      if (controller === running) controller = undefined;
      const retry = setTimeout(() => {
        if (!closing && leading === lead && controller === undefined) enqueue(() => startRole(lead));
      }, 2_000);
      retry.unref();
    }
  };
  const enqueue = (step: () => Promise<void>): void => {
    term = term.then(step).catch((err: unknown) => logger.error({ err }, 'role change failed'));
  };

  let mode: KubeMode;
  try {
    mode = createKubeMode({
      ...kubeScope(kube), ...(options.kubeConfig ? { kubeConfig: options.kubeConfig } : {}), ...(options.clock ? { clock: options.clock } : {}),
      ...(options.election ? { election: options.election } : {}),
      identity: kube.identity, logger,
      onStartedLeading: () => enqueue(() => startRole(true)),
      onStoppedLeading: () => enqueue(() => startRole(false)),
      collectAggregate: () => ({ agents: platform.opamp.agents().length, ...replicas.own() }),
    });
    await mode.start(); // first list: missing CRDs, RBAC or credentials fail here
  } catch (err) {
    // Nothing to serve without the cluster: close what listens, let the process fail (and
    // Kubernetes restart it with backoff) rather than answer /healthz forever.
    await platform.close(async () => {
      await (mode as KubeMode | undefined)?.close().catch(() => undefined);
    });
    throw err;
  }
  listed = true;
  // Follow until elected (a leadership already won during start() has been queued first).
  enqueue(() => (leading ? Promise.resolve() : startRole(false)));
  const refresh = setInterval(() => {
    void mode.readAggregates().then(
      (fleet) => {
        if (replicas.setOthers(fleet.live)) void controller?.reconcileNow();
      },
      (err: unknown) => logger.warn({ err }, 'could not read the other replicas\' counts'),
    );
  }, options.aggregateRefreshMs ?? 2_000);
  logger.info({ url: platform.url, scope: mode.scope }, 'ringmaster is serving (Kubernetes mode)');

  return {
    url: platform.url, port: platform.port, opamp: platform.opamp, view: platform.view, mode,
    controller: () => controller,
    leading: () => leading,
    settled: () => term,
    async close() {
      closing = true;
      clearInterval(refresh);
      await platform.close(async () => {
        enqueue(async () => {
          await controller?.stop();
          controller = undefined;
        });
        await term;
        await mode.close();
      });
    },
  };
}

function kubeScope(kube: KubeServeConfig): { namespace?: string; allNamespaces: boolean; kubeconfig?: string; leaseNamespace?: string } {
  return {
    allNamespaces: kube.allNamespaces,
    ...(kube.namespace ? { namespace: kube.namespace } : {}),
    ...(kube.kubeconfig ? { kubeconfig: kube.kubeconfig } : {}),
    ...(kube.leaseNamespace ? { leaseNamespace: kube.leaseNamespace } : {}),
  };
}

/** What every replica published (from their Leases), with this replica's own latest counts. */
function createReplicaPublications(self: string) {
  let others: Record<string, ReplicaPublication> = {};
  let own: ReplicaPublication = { counts: {}, releases: {} };
  return {
    all: (): Record<string, ReplicaPublication> => ({ ...others, [self]: own }),
    own: (): { counts: AggregateCounts; releases: Record<string, string> } => ({ counts: own.counts as AggregateCounts, releases: { ...own.releases } }),
    /** Returns whether anything changed. */
    setOwn(next: ReplicaPublication): boolean {
      const changed = JSON.stringify(next) !== JSON.stringify(own);
      own = next;
      return changed;
    },
    setOthers(live: ReadonlyArray<{ replica: string; counts: ReplicaPublication['counts']; releases?: Record<string, string> }>): boolean {
      const next = Object.fromEntries(live.filter((a) => a.replica !== self).map((a) => [a.replica, { counts: a.counts, ...(a.releases ? { releases: a.releases } : {}) }]));
      const changed = JSON.stringify(next) !== JSON.stringify(others);
      others = next;
      return changed;
    },
  };
}
