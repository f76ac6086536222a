import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeAggregate, encodeAggregate, gateTally, splitBudget, sumAggregates, summarizeStatuses, type ReplicaAggregate } from '../../src/kube/replica-aggregate.ts';
import type { RingCounts } from '../../src/manifests/types.ts';
import { sampleStatus } from '../contract/status-writer.contract.ts';
import { AGGREGATE_ANNOTATION, createAggregateReader, createReplicaPublisher, replicaLeaseName } from '../../src/kube/replica-leases.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-api-server.ts';
import { silent } from './kube-fixture.ts';

const c = (partial: Partial<RingCounts>): RingCounts => ({ targeted: 0, offered: 0, downloading: 0, installing: 0, installed: 0, healthy: 0, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0, ...partial });
const aggregate = (replica: string, agents: number, counts: ReplicaAggregate['counts']): ReplicaAggregate => ({ version: 1, replica, generatedAt: '2026-11-21T09:00:00.000Z', agents, counts });

describe('replica aggregates (pure parts)', () => {
  it('summarizes the statuses a replica planned over its own agents', () => {
    const status = sampleStatus();
    expect(summarizeStatuses({ p: status })).toEqual({ p: { canary: status.rings[0]?.counts, everyone: status.rings[1]?.counts } });
  });

  it('sums replicas field by field', () => {
    const total = sumAggregates([
      aggregate('r1', 10, { p: { canary: c({ targeted: 3, offered: 3, healthy: 2, installed: 2 }), everyone: c({ targeted: 5 }) } }),
      aggregate('r2', 7, { p: { canary: c({ targeted: 2, offered: 2, failed: 1 }) }, q: { early: c({ targeted: 3, offered: 3 }) } }),
    ]);
    expect(total).toEqual({ agents: 17, counts: {
      p: { canary: c({ targeted: 5, offered: 5, healthy: 2, installed: 2, failed: 1 }), everyone: c({ targeted: 5 }) },
      q: { early: c({ targeted: 3, offered: 3 }) },
    } });
  });

  it('derives the gate tallies from summed counts', () => {
    expect(gateTally(c({ targeted: 10, incompatible: 1, offline: 2, offered: 6, installing: 1, installed: 4, healthy: 3, failed: 1, timedOut: 1 })))
      .toEqual({ eligible: 7, finished: 5, failures: 2, inFlight: 1 });
  });

  it('splits a budget in proportion, deterministically', () => {
    expect(splitBudget(10, { r1: 30, r2: 10 })).toEqual({ r1: 8, r2: 2 });
    expect(splitBudget(3, { b: 1, a: 1, c: 1 })).toEqual({ a: 1, b: 1, c: 1 });
    expect(splitBudget(1, { b: 1, a: 1 })).toEqual({ a: 1, b: 0 });
    expect(splitBudget(100, { r1: 2, r2: 3 })).toEqual({ r1: 2, r2: 3 });
    expect(splitBudget(0, { r1: 5 })).toEqual({ r1: 0 });
  });

  it('a split never exceeds the budget nor a replica\'s waiting agents, and uses all it can', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), fc.dictionary(fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5', 'r6'), fc.integer({ min: 0, max: 500 })), (budget, weights) => {
      const shares = splitBudget(budget, weights);
      const given = Object.values(shares).reduce((a, b) => a + b, 0);
      const waiting = Object.values(weights).reduce((a, b) => a + b, 0);
      expect(given).toBe(Math.min(budget, waiting));
      for (const [name, share] of Object.entries(shares)) expect(share).toBeLessThanOrEqual(weights[name] ?? 0);
      expect(splitBudget(budget, Object.fromEntries(Object.entries(weights).reverse()))).toEqual(shares);
    }));
  });

  it('encodes within a size limit and refuses malformed publications', () => {
    const a = aggregate('r1', 1, { p: { canary: c({ targeted: 1, healthy: 1 }) } });
    expect(decodeAggregate(encodeAggregate(a))).toEqual(a);
    expect(() => encodeAggregate(a, 10)).toThrow(expect.objectContaining({ code: 'E_KUBE_AGGREGATE_SIZE' }));
    expect(() => decodeAggregate('{')).toThrow(expect.objectContaining({ code: 'E_KUBE_AGGREGATE_FORMAT' }));
    expect(() => decodeAggregate(JSON.stringify({ ...a, counts: { p: { canary: c({ healthy: -1 }) } } }))).toThrow(expect.objectContaining({ code: 'E_KUBE_AGGREGATE_FORMAT' }));
  });

  it('carries the release each policy was counted against, and refuses a malformed one', () => {
    const a = { ...aggregate('r1', 1, { p: { canary: c({ targeted: 1 }) } }), releases: { p: 'otelcol-1.5.0' } };
    expect(decodeAggregate(encodeAggregate(a))).toEqual(a);
    expect(() => decodeAggregate(JSON.stringify({ ...a, releases: { p: 15 } }))).toThrow(expect.objectContaining({ code: 'E_KUBE_AGGREGATE_FORMAT' }));
    expect(() => decodeAggregate(JSON.stringify({ ...a, releases: null }))).toThrow(expect.objectContaining({ code: 'E_KUBE_AGGREGATE_FORMAT' }));
  });
});

describe('replica leases on the API', () => {
  let server: FakeApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('replicas publish, the leader sums the live ones; a stopped replica is gone at once, a silent one after its lease', async () => {
    server = await startFakeApiServer();
    const kubeConfig = server.kubeConfig('ringmaster');
    const now = { t: Date.parse('2026-11-21T09:00:00Z') };
    const clock = { now: () => now.t };
    const counts = { r1: { p: { canary: c({ healthy: 2 }) } }, r2: { p: { canary: c({ failed: 1 }) } }, r3: { p: { canary: c({ offered: 4 }) } } };
    const publishers = (['r1', 'r2', 'r3'] as const).map((id) => createReplicaPublisher({
      kubeConfig, namespace: 'ringmaster', identity: id, logger: silent, clock, leaseDurationMs: 30_000,
      collect: () => ({ agents: 5, counts: counts[id], ...(id === 'r1' ? { releases: { p: 'otelcol-1.5.0' } } : {}) }),
    }));
    for (const p of publishers) await p.publishNow();
    const reader = createAggregateReader({ kubeConfig, namespace: 'ringmaster', logger: silent, clock });
    const first = await reader.read();
    expect(sumAggregates(first.live)).toEqual({ agents: 15, counts: { p: { canary: c({ healthy: 2, failed: 1, offered: 4 }) } } });
    const lease = server.store.get('coordination.k8s.io/v1/leases', 'ringmaster', replicaLeaseName('r1'));
    expect(JSON.parse(String((lease.metadata.annotations as Record<string, string>)[AGGREGATE_ANNOTATION]))).toMatchObject({ replica: 'r1', releases: { p: 'otelcol-1.5.0' } });
    expect(first.live.find((a) => a.replica === 'r2')?.releases).toBeUndefined();

    await publishers[2]?.stop(); // clean shutdown deletes the lease
    now.t += 20_000;
    counts.r1.p.canary.healthy = 3;
    await publishers[0]?.publishNow(); // r1 heartbeats; r2 is silent (killed)
    expect((await reader.read()).live.map((a) => a.replica).sort()).toEqual(['r1', 'r2']);
    now.t += 15_000; // r2 last seen 35 s ago by our clock: past its 30 s lease
    await publishers[0]?.publishNow();
    const later = await reader.read();
    expect(later.live.map((a) => a.replica)).toEqual(['r1']);
    expect(later.stale).toEqual([replicaLeaseName('r2')]);
    expect(sumAggregates(later.live).counts).toEqual({ p: { canary: c({ healthy: 3 }) } });
  });
});
