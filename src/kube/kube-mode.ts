/**
 * Everything `ringmaster serve --kube` needs, from one call: the manifest source and the
 * status writer (the controller's ports), the leader elector, the Events recorder, and the
 * per-replica aggregate publisher/reader. Only the leader writes: the returned status
 * writer and event hook do nothing on other replicas.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock, StatusWriter } from '../controller/ports.ts';
import type { PolicyStatus } from '../manifests/types.ts';
import { validatePolicyStatus } from '../manifests/validate-status.ts';
import type { RolloutEvent } from '../rollout/types.ts';
import { createKubeManifestSource, type KubeManifestSource } from '../sources/kube/kube-source.ts';
import { createKubeStatusWriter } from '../status/kube/kube-status-writer.ts';
import { checkObjectName, defaultNamespace, KubeError, loadKubeConfig, type KubeScope } from './client.ts';
import { createEventRecorder, type EventRecorder } from './event-recorder.ts';
import { createLeaderElector, type LeaderElector } from './leader-election.ts';
import type { AggregateCounts } from './replica-aggregate.ts';
import { createAggregateReader, createReplicaPublisher, type FleetAggregates, type ReplicaPublisher } from './replica-leases.ts';

/** Inputs of `createKubeMode`: what `serve --kube` passes from its flags and environment. */
export interface KubeModeOptions {
  /** Watch one namespace (default: the kubeconfig's, i.e. the pod's own). */
  namespace?: string;
  /** Watch every namespace (exclusive with `namespace`). */
  allNamespaces?: boolean;
  /** A kubeconfig file; default the usual places, in-cluster inside a pod. */
  kubeconfig?: string;
  /** A ready KubeConfig (tests); wins over `kubeconfig`. */
  kubeConfig?: KubeConfig;
  /** This replica: the pod name (`$HOSTNAME`); unique among replicas, a DNS label. */
  identity: string;
  logger: Logger;
  clock?: Clock;
  /** Where the leader Lease and replica Leases live. Default: the kubeconfig's namespace. */
  leaseNamespace?: string;
  election?: { leaseName?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  /** This replica's agents, for the scale-out publication; omit to publish nothing. */
  collectAggregate?: () => { agents: number; counts: AggregateCounts; releases?: Record<string, string> };
  aggregate?: { intervalMs?: number; leaseDurationMs?: number; maxBytes?: number };
  /** Source tuning. */
  resyncMs?: number;
  watchTimeoutSeconds?: number;
}

/** The Kubernetes implementations of the controller's ports, plus leadership and scale-out. */
export interface KubeMode {
  readonly scope: KubeScope;
  readonly source: KubeManifestSource;
  /** Writes only while this replica leads; a no-op otherwise. */
  readonly statusWriter: StatusWriter;
  readonly leader: LeaderElector;
  readonly events: EventRecorder;
  /** For `createController({ onReconciled })`: records the pass's events when leading. */
  onReconciled(info: { events: readonly RolloutEvent[] }): void;
  /** The leader's published statuses as last seen by the informer (what followers follow). */
  leaderStatuses(): Record<string, PolicyStatus>;
  /** Every replica's live publication (the leader sums them for its gates). */
  readAggregates(): Promise<FleetAggregates>;
  /** Publishes this replica's counts now rather than at the next heartbeat (no-op without `collectAggregate`). */
  publishNow(): Promise<void>;
  /** Starts the source (first list), then campaigning and publishing. */
  start(): Promise<void>;
  /** Releases the lease, deletes our replica lease, stops the watches, closes the writer. */
  close(): Promise<void>;
}

/**
 * Builds (does not start) the Kubernetes mode. Throws `KubeError` `E_KUBE_CONFIG` (no usable
 * kubeconfig, or both `namespace` and `allNamespaces`) or `E_KUBE_NAME` (identity not a DNS
 * name). Call `start()` before the controller, `close()` after it.
 */
export function createKubeMode(opts: KubeModeOptions): KubeMode {
  if (opts.allNamespaces && opts.namespace) throw new KubeError('E_KUBE_CONFIG', '--namespace and --all-namespaces exclude each other; pick one');
  checkObjectName(opts.identity);
  const kubeConfig = opts.kubeConfig ?? loadKubeConfig(opts.kubeconfig);
  const home = opts.leaseNamespace ?? defaultNamespace(kubeConfig);
  const scope: KubeScope = opts.allNamespaces ? { allNamespaces: true } : { namespace: opts.namespace ?? home };
  const logger = opts.logger.child({ component: 'kube' });
  const source = createKubeManifestSource({ kubeConfig, scope, logger, ...(opts.resyncMs ? { resyncMs: opts.resyncMs } : {}), ...(opts.watchTimeoutSeconds ? { watchTimeoutSeconds: opts.watchTimeoutSeconds } : {}) });
  const writer = createKubeStatusWriter({ kubeConfig, scope, logger, locate: (n, r) => source.locatePolicy(n, r), observe: (ns, n) => source.policyObject(ns, n), fieldManager: 'ringmaster' });
  const leader = createLeaderElector({
    kubeConfig, namespace: home, identity: opts.identity, logger, ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.election?.leaseName ? { name: opts.election.leaseName } : {}),
    ...(opts.election?.leaseDurationMs ? { leaseDurationMs: opts.election.leaseDurationMs } : {}),
    ...(opts.election?.renewDeadlineMs ? { renewDeadlineMs: opts.election.renewDeadlineMs } : {}),
    ...(opts.election?.retryPeriodMs ? { retryPeriodMs: opts.election.retryPeriodMs } : {}),
    onStartedLeading: opts.onStartedLeading,
    onStoppedLeading: opts.onStoppedLeading,
  });
  const events = createEventRecorder({ kubeConfig, locate: (n) => source.locatePolicy(n), identity: opts.identity, logger, ...(opts.clock ? { clock: opts.clock } : {}) });
  const reader = createAggregateReader({ kubeConfig, namespace: home, logger, ...(opts.clock ? { clock: opts.clock } : {}) });
  const publisher: ReplicaPublisher | undefined = opts.collectAggregate
    ? createReplicaPublisher({
      kubeConfig, namespace: home, identity: opts.identity, collect: opts.collectAggregate, logger, ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.aggregate?.intervalMs ? { intervalMs: opts.aggregate.intervalMs } : {}),
      ...(opts.aggregate?.leaseDurationMs ? { leaseDurationMs: opts.aggregate.leaseDurationMs } : {}),
      ...(opts.aggregate?.maxBytes ? { maxAggregateBytes: opts.aggregate.maxBytes } : {}),
    })
    : undefined;

  return {
    scope,
    source,
    statusWriter: leaderOnly(writer, leader, logger),
    leader,
    events,
    onReconciled(info) {
      if (leader.isLeader()) events.onReconciled(info);
    },
    leaderStatuses: () => leaderStatuses(source),
    readAggregates: () => reader.read(),
    publishNow: () => publisher?.publishNow() ?? Promise.resolve(),
    async start() {
      await source.start();
      leader.start();
      publisher?.start();
    },
    async close() {
      await leader.stop();
      await publisher?.stop();
      await events.flush();
      await writer.close();
      await source.stop();
    },
  };
}

/** Followers plan for their own agents but never write: the leader's status is the record. */
function leaderOnly(writer: StatusWriter, leader: LeaderElector, logger: Logger): StatusWriter {
  return {
    readAll: () => writer.readAll(),
    async write(policy, status, summary) {
      if (!leader.isLeader()) {
        logger.debug({ policy }, 'not the leader; status not written');
        return;
      }
      await writer.write(policy, status, summary);
    },
    writeInventory: (inventory) => writer.writeInventory(inventory),
    flush: () => writer.flush(),
    close: () => writer.close(),
  };
}

function leaderStatuses(source: KubeManifestSource): Record<string, PolicyStatus> {
  const result: Record<string, PolicyStatus> = {};
  for (const { namespace, name } of source.policies()) {
    const status = source.policyObject(namespace, name)?.status;
    if (status === undefined) continue;
    const { observedGeneration: _g, ...rest } = status as Record<string, unknown>;
    const valid = validatePolicyStatus(rest);
    if (valid.ok) result[name] = valid.status;
  }
  return result;
}
