import { describe, expect, it } from 'vitest';
import type { RingCounts } from '../../src/manifests/types.ts';
import { barFromCounts, barFromPlacements } from '../../src/api/ring-bar.ts';
import { summarizePolicy } from '../../src/api/policy-summary.ts';

const counts = (c: Partial<RingCounts>): RingCounts => ({
  targeted: 0, offered: 0, downloading: 0, installing: 0, installed: 0, healthy: 0, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0, ...c,
});

describe('barFromCounts (a persisted status without membership)', () => {
  it.each([
    ['nothing started', counts({ targeted: 10 }), { installed: 0, inFlight: 0, waiting: 10, total: 10 }],
    ['healthy is part of installed', counts({ targeted: 10, installed: 6, healthy: 4 }), { installed: 6, waiting: 4 }],
    ['failures include timeouts', counts({ targeted: 10, installed: 5, failed: 1, timedOut: 2 }), { installed: 5, failed: 3, waiting: 2 }],
    ['in flight is what is offered', counts({ targeted: 10, offered: 4, downloading: 1, installing: 2 }), { inFlight: 4, waiting: 6 }],
    ['never more than targeted', counts({ targeted: 5, installed: 5, offered: 5, offline: 2 }), { installed: 5, inFlight: 0, offline: 0, waiting: 0, total: 5 }],
    ['apart counts', counts({ targeted: 8, incompatible: 2, offline: 1 }), { incompatible: 2, offline: 1, waiting: 5 }],
  ])('%s', (_name, c, want) => {
    const bar = barFromCounts(c);
    expect(bar).toMatchObject(want);
    expect(bar.installed + bar.inFlight + bar.failed + bar.waiting + bar.incompatible + bar.offline).toBe(c.targeted);
  });
});

describe('barFromPlacements', () => {
  it('counts each agent of the ring once, by state; unassigned and other rings are left out', () => {
    const bar = barFromPlacements('a', [
      { ring: 'a', state: 'healthy' }, { ring: 'a', state: 'installed' }, { ring: 'a', state: 'downloading' }, { ring: 'a', state: 'timedOut' },
      { ring: 'a', state: 'waiting' }, { ring: 'a', state: 'pending' }, { ring: 'a', state: 'offline' }, { ring: 'a', state: 'incompatible' },
      { ring: 'b', state: 'healthy' }, { ring: null, state: 'unassigned' },
    ]);
    expect(bar).toEqual({ installed: 2, inFlight: 1, failed: 1, waiting: 2, incompatible: 1, offline: 1, total: 8 });
  });
});

describe('summarizePolicy', () => {
  it('works before the first reconcile and from a status alone, and adds namespace to kubectl', () => {
    const spec = { release: 'r', rings: [{ name: 'one' }, { name: 'two', requireApproval: true }], approvals: ['one'] };
    const fresh = summarizePolicy({ name: 'p', namespace: 'fleet', release: 'r', package: 'pkg', spec });
    expect(fresh.phase).toBe('Pending');
    expect(fresh.rings.map((r) => [r.name, r.phase, r.bar.total])).toEqual([['one', 'Pending', 0], ['two', 'Pending', 0]]);
    const status = {
      specHash: 'h', phase: 'WaitingApproval' as const, release: 'r', conditions: [],
      rings: [{ name: 'one', phase: 'Succeeded' as const, counts: counts({ targeted: 3, installed: 3 }) }, { name: 'two', phase: 'WaitingApproval' as const, counts: counts({ targeted: 7 }) }],
    };
    const waiting = summarizePolicy({ name: 'p', namespace: 'fleet', release: 'r', package: 'pkg', spec, status });
    expect(waiting.rings[0]?.bar).toMatchObject({ installed: 3, total: 3 });
    expect(waiting.rings[1]?.approval).toEqual({
      ring: 'two', gitEdit: 'spec.approvals: [one, two]',
      kubectl: `kubectl patch rolloutpolicy p -n fleet --type merge -p '{"spec":{"approvals":["one","two"]}}'`,
    });
  });
});
