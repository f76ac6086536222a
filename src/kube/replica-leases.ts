/**
 * The per-replica object of the scale-out design: each replica heartbeats a small Lease
 * `ringmaster-replica-<identity>` whose annotation carries its agents' aggregate counts;
 * the leader lists them and sums the live ones. A Lease rather than a ConfigMap: it is the
 * API's heartbeat object (renewTime, leaseDurationSeconds — kube-apiserver's identity
 * leases do the same), and the RBAC for leases is needed for leader election anyway.
 * Liveness is judged like leader election: by our clock, from when we saw renewTime change.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../controller/ports.ts';
import { createLeaseClient, type LeaseRecord } from './lease-record.ts';
import { decodeAggregate, encodeAggregate, type AggregateCounts, type ReplicaAggregate } from './replica-aggregate.ts';

/** Label that marks the per-replica Leases (the leader lists by it). */
export const AGGREGATE_LABEL = 'ringmaster.dev/replica-aggregate';
/** Annotation holding a replica's `ReplicaAggregate` JSON. */
export const AGGREGATE_ANNOTATION = 'ringmaster.dev/aggregate';

/** Inputs of `createReplicaPublisher`. */
export interface ReplicaPublisherOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** This replica (pod name, a DNS label). */
  identity: string;
  /** The replica's own agents right now (`releases`: per policy, the release the counts are for). */
  collect: () => { agents: number; counts: AggregateCounts; releases?: Record<string, string> };
  logger: Logger;
  clock?: Clock;
  /** Heartbeat period. Default 10 s. */
  intervalMs?: number;
  /** How long the counts stay valid without a heartbeat. Default 30 s. */
  leaseDurationMs?: number;
  maxAggregateBytes?: number;
}

/** Heartbeats one replica's counts. */
export interface ReplicaPublisher {
  start(): void;
  /** Stops heartbeating and deletes the lease, so the leader stops counting us at once. */
  stop(): Promise<void>;
  publishNow(): Promise<void>;
}

/** The Lease name of a replica. */
export function replicaLeaseName(identity: string): string {
  return `ringmaster-replica-${identity}`.slice(0, 253);
}

/**
 * Publishes `collect()` every `intervalMs` in this replica's Lease (created on first use).
 * Failures are logged and retried at the next beat; too-large counts are refused
 * (`E_KUBE_AGGREGATE_SIZE`), never truncated.
 */
export function createReplicaPublisher(opts: ReplicaPublisherOptions): ReplicaPublisher {
  const client = createLeaseClient(opts.kubeConfig, opts.namespace);
  const clock = opts.clock ?? { now: () => Date.now() };
  const name = replicaLeaseName(opts.identity);
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const publish = async (): Promise<void> => {
    const now = clock.now();
    const { agents, counts, releases } = opts.collect();
    const aggregate: ReplicaAggregate = { version: 1, replica: opts.identity, generatedAt: new Date(now).toISOString(), agents, counts };
    if (releases !== undefined) aggregate.releases = releases;
    const annotations = { [AGGREGATE_ANNOTATION]: encodeAggregate(aggregate, opts.maxAggregateBytes) };
    const record: LeaseRecord = { holderIdentity: opts.identity, leaseDurationSeconds: Math.ceil((opts.leaseDurationMs ?? 30_000) / 1000), acquireTime: now, renewTime: now, leaseTransitions: 0 };
    const current = await client.read(name);
    if (!current) {
      await client.create(name, record, { labels: { [AGGREGATE_LABEL]: 'true' }, annotations });
      return;
    }
    // A conflict means another writer (a previous incarnation of us); the next beat wins.
    await client.update(name, current, { ...record, acquireTime: current.record.acquireTime }, { ...current.annotations, ...annotations });
  };

  const publishNow = (): Promise<void> => {
    inFlight = inFlight.then(publish, publish);
    return inFlight;
  };

  const beat = (): void => {
    publishNow().catch((err: unknown) => opts.logger.warn({ err, lease: name }, 'could not publish this replica\'s agent counts'));
  };

  return {
    start() {
      if (timer) return;
      beat();
      timer = setInterval(beat, opts.intervalMs ?? 10_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await inFlight.catch(() => undefined);
      await client.remove(name).catch((err: unknown) => opts.logger.warn({ err, lease: name }, 'could not delete this replica\'s lease; it expires on its own'));
    },
    publishNow,
  };
}

/** Inputs of `createAggregateReader`. */
export interface AggregateReaderOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  logger: Logger;
  clock?: Clock;
}

/** Every replica's publication, split by liveness. */
export interface FleetAggregates {
  /** Publications of replicas whose heartbeat we saw within their lease duration. */
  live: ReplicaAggregate[];
  /** Replicas whose heartbeat stopped (their agents have moved or will). */
  stale: string[];
}

/** The leader's view of every replica's publication. Keeps observation times between reads. */
export function createAggregateReader(opts: AggregateReaderOptions): { read(): Promise<FleetAggregates> } {
  const client = createLeaseClient(opts.kubeConfig, opts.namespace);
  const clock = opts.clock ?? { now: () => Date.now() };
  const seen = new Map<string, { renewTime: number; observedAt: number }>();
  return {
    async read() {
      const now = clock.now();
      const leases = await client.list(`${AGGREGATE_LABEL}=true`);
      const result: FleetAggregates = { live: [], stale: [] };
      for (const lease of leases) {
        const before = seen.get(lease.name);
        const observedAt = before && before.renewTime === lease.record.renewTime ? before.observedAt : now;
        seen.set(lease.name, { renewTime: lease.record.renewTime, observedAt });
        if (lease.record.holderIdentity === '' || observedAt + lease.record.leaseDurationSeconds * 1000 <= now) {
          result.stale.push(lease.name);
          continue;
        }
        try {
          result.live.push(decodeAggregate(lease.annotations[AGGREGATE_ANNOTATION]));
        } catch (err) {
          opts.logger.warn({ err, lease: lease.name }, 'ignoring a malformed replica aggregate');
        }
      }
      for (const name of [...seen.keys()]) if (!leases.some((l) => l.name === name)) seen.delete(name);
      return result;
    },
  };
}
