/**
 * Scale-out arithmetic: sums of ring counts, the gates' view of them, the budget split,
 * and what each replica makes of every replica's publication.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RingCounts } from '../../src/manifests/types.ts';
import { emptyCounts } from '../../src/rollout/fleet-tally.ts';
import { addCounts, gateTally, pendingCount, splitBudget, subtractCounts, sumCounts } from '../../src/rollout/replica-counts.ts';
import { replicaView, type ReplicaPublication } from '../../src/rollout/replica-view.ts';
import { PKG, policy, release } from './fixtures.ts';

const c = (extra: Partial<RingCounts>): RingCounts => ({ ...emptyCounts(), ...extra });
const r15 = release('1.5.0');
const pol = policy(r15.metadata.name, [{ name: 'canary', percent: 10 }, { name: 'everyone' }], { strategy: { maxConcurrent: 4 } });
const publication = (canary: Partial<RingCounts>, everyone: Partial<RingCounts> = {}, rel = r15.metadata.name): ReplicaPublication => ({
  counts: { [PKG]: { canary: c(canary), everyone: c(everyone) } },
  releases: { [PKG]: rel },
});

describe('ring counts arithmetic', () => {
  it('adds, subtracts and sums policy by policy and ring by ring', () => {
    expect(addCounts(c({ targeted: 2, healthy: 1 }), { targeted: 3, failed: 1 })).toEqual(c({ targeted: 5, healthy: 1, failed: 1 }));
    expect(addCounts(c({ targeted: 2 }), undefined)).toEqual(c({ targeted: 2 }));
    expect(subtractCounts(c({ targeted: 5, offered: 3 }), c({ targeted: 2, offered: 1 }))).toEqual(c({ targeted: 3, offered: 2 }));
    expect(subtractCounts(c({ targeted: 5 }), undefined)).toEqual(c({ targeted: 5 }));
    expect(sumCounts([{ p: { a: c({ targeted: 1 }) } }, { p: { a: c({ targeted: 2 }), b: { healthy: 1 } }, q: {} }])).toEqual({
      p: { a: c({ targeted: 3 }), b: c({ healthy: 1 }) },
      q: {},
    });
  });

  it('derives the gates exactly as the planner tallies agents', () => {
    expect(gateTally(c({ targeted: 10, incompatible: 1, offline: 2, offered: 6, installing: 1, installed: 4, healthy: 3, failed: 1, timedOut: 1 })))
      .toEqual({ eligible: 7, finished: 5, failures: 2, inFlight: 1 });
    expect(pendingCount(c({ targeted: 10, incompatible: 1, offline: 2, waiting: 1, offered: 4 }))).toBe(2);
    expect(pendingCount(c({ targeted: 1, offered: 3 }))).toBe(0);
  });
});

describe('splitBudget', () => {
  it('splits by largest remainder, ties by name, never above a weight', () => {
    expect(splitBudget(10, { r1: 30, r2: 10 })).toEqual({ r1: 8, r2: 2 });
    expect(splitBudget(3, { b: 1, a: 1, c: 1 })).toEqual({ a: 1, b: 1, c: 1 });
    expect(splitBudget(1, { b: 1, a: 1 })).toEqual({ a: 1, b: 0 });
    expect(splitBudget(100, { r1: 2, r2: 3 })).toEqual({ r1: 2, r2: 3 });
    expect(splitBudget(0, { r1: 5 })).toEqual({ r1: 0 });
    expect(splitBudget(-3, { r1: 5 })).toEqual({ r1: 0 });
    expect(splitBudget(4, { r1: 0, r2: -1 })).toEqual({ r1: 0, r2: 0 });
    expect(splitBudget(4, {})).toEqual({});
  });

  it('gives out min(budget, total weight) exactly, within weights, whatever the key order', () => {
    const weights = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: 0, max: 1000 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), weights, (budget, w) => {
        const shares = splitBudget(budget, w);
        const total = Object.values(w).reduce((sum, n) => sum + n, 0);
        expect(Object.values(shares).reduce((sum, n) => sum + n, 0)).toBe(Math.min(budget, total));
        for (const [name, share] of Object.entries(shares)) expect(share).toBeLessThanOrEqual(w[name]!);
        expect(splitBudget(budget, Object.fromEntries(Object.entries(w).reverse()))).toEqual(shares);
      }),
      { numRuns: 300 },
    );
  });
});

describe('replicaView', () => {
  it('sums the others for the leader and splits free slots by pending agents', () => {
    const published = {
      leader: publication({ targeted: 4, offered: 1, downloading: 1 }),
      f1: publication({ targeted: 6, offered: 1, healthy: 1, installed: 1 }),
      f2: publication({ targeted: 2 }),
    };
    const view = replicaView([pol], published, 'leader');
    expect(view.remoteCounts).toEqual({ [PKG]: { canary: c({ targeted: 8, offered: 1, healthy: 1, installed: 1 }), everyone: c({}) } });
    // Limit 4, 1 in flight: 3 free slots over pending 3 / 5 / 2 → 1 / 1 / 1 (largest remainder, ties by name).
    expect(view.budgets).toEqual({ [PKG]: { canary: 2, everyone: 0 } });
    expect(replicaView([pol], published, 'f1').budgets[PKG]!['canary']).toBe(1);
    expect(replicaView([pol], published, 'f2').budgets[PKG]!['canary']).toBe(1);
  });

  it('never shares out more than maxConcurrent, and nothing new while more is in flight', () => {
    const busy = { a: publication({ targeted: 10, offered: 5, installing: 5 }), b: publication({ targeted: 10 }) };
    expect(replicaView([pol], busy, 'a').budgets[PKG]!['canary']).toBe(5);
    expect(replicaView([pol], busy, 'b').budgets[PKG]!['canary']).toBe(0);
  });

  it('leaves out counts taken against another release and gives their replica no share', () => {
    const published = { leader: publication({ targeted: 2 }), old: publication({ targeted: 3, healthy: 3, offered: 3 }, {}, 'otelcol-custom-1.4.0'), bare: { counts: {} } };
    const view = replicaView([pol], published, 'leader');
    expect(view.remoteCounts).toEqual({ [PKG]: {} });
    expect(view.budgets[PKG]!['canary']).toBe(2);
    expect(replicaView([pol], published, 'old').budgets[PKG]).toEqual({ canary: 0, everyone: 0 });
    expect(replicaView([pol], published, 'new').budgets[PKG]!['canary']).toBe(0);
  });

  it('alone: the others counted nothing, and the whole budget is its own', () => {
    const view = replicaView([pol], { me: publication({ targeted: 100 }) }, 'me');
    expect(view.remoteCounts).toEqual({ [PKG]: { canary: c({}), everyone: c({}) } });
    expect(view.budgets).toEqual({ [PKG]: { canary: 4, everyone: 0 } });
  });
});
