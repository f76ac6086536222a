/**
 * Leader election on a `coordination.k8s.io/v1` Lease, the client-go algorithm
 * (k8s.io/client-go/tools/leaderelection): optimistic concurrency on resourceVersion; a
 * lease held by another counts as expired only `leaseDuration` after *we observed* its
 * record change, by our own clock (never by comparing clocks across machines); the leader
 * renews every `retryPeriod` and steps down when it could not renew for `renewDeadline`;
 * on shutdown it releases the lease by clearing `holderIdentity`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../controller/ports.ts';
import { claimLease } from './lease-claim.ts';
import { createLeaseClient, type LeaseClient, type LeaseRecord, type ReadLease } from './lease-record.ts';

/** Inputs of `createLeaderElector`; timings default to client-go's (15 s, 10 s, 2 s). */
export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Lease name. Default `ringmaster-leader`. */
  name?: string;
  /** This replica (the pod name); must be unique among the candidates. */
  identity: string;
  /** Default 15 s. */
  leaseDurationMs?: number;
  /** Default 10 s; must be below the lease duration. */
  renewDeadlineMs?: number;
  /** Default 2 s; must be below the renew deadline. */
  retryPeriodMs?: number;
  clock?: Clock;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  /** Called when the observed leader changes (our identity included). */
  onNewLeader?: (identity: string) => void;
}

/** One candidate in the election. */
export interface LeaderElector {
  /** Runs campaigns in the background until `stop()`. */
  start(): void;
  /** Stops campaigning; releases the lease when we hold it. */
  stop(): Promise<void>;
  isLeader(): boolean;
  /** The holder we last observed ('' = none). */
  leader(): string;
}

/**
 * A candidate for the Lease `name` in `namespace`. `onStartedLeading` runs when it acquires
 * the lease, `onStoppedLeading` when it loses it (renew deadline passed) or on `stop()`.
 * Throws `RangeError` unless retryPeriod < renewDeadline < leaseDuration.
 */
export function createLeaderElector(opts: LeaderElectorOptions): LeaderElector {
  const leaseDurationMs = opts.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
  if (!(retryPeriodMs < renewDeadlineMs && renewDeadlineMs < leaseDurationMs)) {
    throw new RangeError(`leader election needs retryPeriod < renewDeadline < leaseDuration (got ${retryPeriodMs} < ${renewDeadlineMs} < ${leaseDurationMs} ms)`);
  }
  const clock = opts.clock ?? { now: () => Date.now() };
  const client: LeaseClient = createLeaseClient(opts.kubeConfig, opts.namespace);
  const name = opts.name ?? 'ringmaster-leader';
  let observed: ReadLease | undefined;
  let observedAt = 0;
  let leading = false;
  let running: Promise<void> | undefined;
  let abort = new AbortController();

  const observe = (lease: ReadLease): void => {
    const before = observed?.record;
    if (!before || !sameRecord(before, lease.record)) {
      observedAt = clock.now();
      if (before?.holderIdentity !== lease.record.holderIdentity) opts.onNewLeader?.(lease.record.holderIdentity);
    }
    observed = lease;
  };

  /** One step of the algorithm; true when we hold the lease afterwards. */
  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const current = await client.read(name);
    if (current) observe(current);
    const record = claimLease(current?.record, { identity: opts.identity, now: clock.now(), observedAt, leaseDurationMs });
    if (!record) return false;
    const written = current ? await client.update(name, current, record) : await client.create(name, record);
    if (written.ok) observe(written.lease);
    return written.ok;
  };

  const attempt = async (): Promise<boolean> => {
    try {
      return await tryAcquireOrRenew();
    } catch (err) {
      opts.logger.warn({ err, lease: name }, 'leader election: lease request failed');
      return false;
    }
  };

  const acquire = async (signal: AbortSignal): Promise<boolean> => {
    while (!signal.aborted) {
      if (await attempt()) return true;
      await sleep(jittered(retryPeriodMs), signal);
    }
    return false;
  };

  // Renew every retryPeriod; give up when no renewal succeeded for renewDeadline.
  const renew = async (signal: AbortSignal): Promise<void> => {
    let lastRenew = clock.now();
    while (!signal.aborted) {
      await sleep(retryPeriodMs, signal);
      if (signal.aborted) return;
      if (await attempt()) lastRenew = clock.now();
      else if (clock.now() - lastRenew >= renewDeadlineMs) return;
    }
  };

  const campaign = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      if (!(await acquire(signal))) return;
      leading = true;
      opts.logger.info({ lease: name, identity: opts.identity }, 'started leading');
      opts.onStartedLeading();
      await renew(signal);
      if (signal.aborted) return;
      leading = false;
      opts.logger.warn({ lease: name, identity: opts.identity }, 'lost the lease; stopped leading');
      opts.onStoppedLeading();
    }
  };

  const release = async (): Promise<void> => {
    if (!observed || observed.record.holderIdentity !== opts.identity) return;
    const now = clock.now();
    // client-go's release: empty holder, 1 s duration — others may take over at once.
    const cleared: LeaseRecord = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: observed.record.leaseTransitions };
    try {
      const result = await client.update(name, observed, cleared);
      if (!result.ok) opts.logger.warn({ lease: name }, 'lease changed before release; leaving it as is');
    } catch (err) {
      opts.logger.warn({ err, lease: name }, 'could not release the lease; others take over when it expires');
    }
  };

  return {
    start() {
      if (running) return;
      abort = new AbortController();
      running = campaign(abort.signal);
    },
    async stop() {
      abort.abort();
      await running;
      running = undefined;
      if (leading) {
        await release();
        leading = false;
        opts.onStoppedLeading();
      }
    },
    isLeader: () => leading,
    leader: () => observed?.record.holderIdentity ?? '',
  };
}

function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return a.holderIdentity === b.holderIdentity && a.renewTime === b.renewTime && a.acquireTime === b.acquireTime && a.leaseTransitions === b.leaseTransitions && a.leaseDurationSeconds === b.leaseDurationSeconds;
}

/** client-go's JitterUntil(retryPeriod, 1.2): candidates do not retry in lockstep. */
function jittered(ms: number): number {
  return ms + Math.random() * 1.2 * ms;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
