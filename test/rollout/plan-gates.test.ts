import { describe, expect, it } from 'vitest';
import type { Ring } from '../../src/manifests/types.ts';
import {
  agent, completed, fleet, hashOf, MIN, offeredVersions, plan, PKG, policy, release, replan, T0, withInstalled, withOffered,
} from './fixtures.ts';

const r14 = release('1.4.0');
const r15 = release('1.5.0');
const releases = [r14, r15];
const canaryRings: Ring[] = [{ name: 'canary', selector: { matchLabels: { canary: 'true' } } }, { name: 'everyone' }];

describe('membership', () => {
  it('puts agents in the first matching ring, leaves the rest unassigned and never upgrades them', () => {
    const agents = [agent('a', { canary: 'true' }), agent('b'), agent('c', { team: 'x' })];
    const rings: Ring[] = [{ name: 'canary', selector: { matchLabels: { canary: 'true' } } }, { name: 'team', selector: { matchLabels: { team: 'x' } } }];
    const result = plan({ policies: [policy(r15.metadata.name, rings)], releases, agents });
    const membership = result.membership[0]!.agents;
    expect(membership['a']).toEqual({ ring: 'canary', state: 'offered' });
    expect(membership['b']).toEqual({ ring: null, state: 'unassigned' });
    expect(membership['c']).toEqual({ ring: 'team', state: 'pending' });
    expect(result.statuses[PKG]!.unassigned).toBe(1);
    expect(offeredVersions(result)).toEqual({ a: '1.5.0', b: undefined, c: undefined });
  });

  it('ignores agents the policy selector does not select: no placement, no offer', () => {
    const agents = [agent('a', { 'service.name': 'otelcol' }), agent('b', { 'service.name': 'other' })];
    const result = plan({ policies: [policy(r15.metadata.name, [{ name: 'all' }], { selector: { matchLabels: { 'service.name': 'otelcol' } } })], releases, agents });
    expect(Object.keys(result.membership[0]!.agents)).toEqual(['a']);
    expect(result.offers.map((o) => o.uid)).toEqual(['a']);
  });
});

describe('success gate', () => {
  const pol = policy(r15.metadata.name, canaryRings, { strategy: { maxConcurrent: '100%', healthyFor: '60s' } });
  const canaries = fleet('c', 2, { canary: 'true' });

  it('counts only agents reporting the target hash installed and healthy for healthyFor', () => {
    const first = plan({ policies: [pol], releases, agents: canaries });
    const installed = canaries.map((a) => withInstalled({ ...a, health: { healthy: true, since: T0 } }, r15, T0 + MIN));
    const early = replan({ policies: [pol], releases, agents: installed, now: T0 + MIN + 30_000 }, first);
    expect(early.statuses[PKG]!.rings[0]!.phase).toBe('Progressing');
    expect(early.statuses[PKG]!.rings[0]!.counts).toMatchObject({ targeted: 2, offered: 2, installed: 2, healthy: 0 });
    expect(early.wakeAt[PKG]).toBe(T0 + 2 * MIN);
    const later = replan({ policies: [pol], releases, agents: installed, now: T0 + 2 * MIN }, early);
    expect(later.statuses[PKG]!.rings[0]).toMatchObject({ phase: 'Succeeded', succeededAt: '2026-11-21T09:02:00Z' });
    expect(later.statuses[PKG]!.rings[0]!.counts).toMatchObject({ installed: 2, healthy: 2 });
    // The second ring is empty, so it succeeds at once and the rollout completes.
    expect(later.events.map((e) => e.reason)).toEqual(['RingSucceeded', 'RingStarted', 'RingSucceeded', 'Completed']);
  });

  it('ignores status left over from an earlier rollout (another hash)', () => {
    const leftover = canaries.map((a) => withInstalled(a, r14, T0 - 60 * MIN));
    const result = plan({ policies: [pol], releases, agents: leftover, now: T0 + 10 * MIN });
    expect(result.statuses[PKG]!.rings[0]!.counts).toMatchObject({ installed: 0, healthy: 0, offered: 2 });
    expect(result.statuses[PKG]!.rings[0]!.phase).toBe('Progressing');
  });

  it('judges agents that report no health by install time alone', () => {
    const result = plan({ policies: [pol], releases, agents: canaries.map((a) => withInstalled(a, r15, T0 - MIN)) });
    expect(result.statuses[PKG]!.rings[0]!.phase).toBe('Succeeded');
  });

  it('counts offline and incompatible agents apart and lets the ring succeed without them', () => {
    const agents = [
      withInstalled(agent('ok', { canary: 'true' }), r15, T0 - MIN),
      agent('off', { canary: 'true' }, { online: false }),
      agent('nopkg', { canary: 'true' }, { acceptsPackages: false }),
      agent('riscv', { canary: 'true' }, { platform: { os: 'linux', arch: 'riscv64' } }),
      agent('noplat', { canary: 'true' }, { platform: undefined as never }),
    ];
    delete (agents[4] as { platform?: unknown }).platform;
    const result = plan({ policies: [pol], releases, agents });
    const ring = result.statuses[PKG]!.rings[0]!;
    expect(ring.phase).toBe('Succeeded');
    expect(ring.counts).toMatchObject({ targeted: 5, healthy: 1, offline: 1, incompatible: 3 });
    const placements = result.membership[0]!.agents;
    expect(placements['nopkg']).toEqual({ ring: 'canary', state: 'incompatible', reason: 'agent does not accept packages (no AcceptsPackages capability)' });
    expect(placements['riscv']!.reason).toBe('release has no artifact for linux/riscv64');
    expect(placements['noplat']!.reason).toBe('agent reports no platform (os.type, host.arch)');
    expect(placements['off']!.state).toBe('offline');
    expect(result.offers.map((o) => o.uid)).not.toContain('nopkg');
  });

  it('an empty ring succeeds at once', () => {
    const result = plan({ policies: [pol], releases, agents: fleet('e', 3) });
    expect(result.statuses[PKG]!.rings.map((r) => r.phase)).toEqual(['Succeeded', 'Progressing']);
  });
});

describe('progress of single agents', () => {
  const pol = policy(r15.metadata.name, [{ name: 'all', maxFailures: 10 }], { strategy: { maxConcurrent: '100%', installTimeout: '10m', healthyFor: '1m' } });
  const cases = [
    { name: 'not offered yet → offered now', agent: agent('a'), state: 'offered' },
    { name: 'delivered, no report', agent: { ...agent('a'), delivered: { [PKG]: { hash: hashOf(r15), at: T0 - MIN } } }, state: 'offered' },
    { name: 'downloading', agent: withOffered(agent('a'), r15, 'Downloading', T0 - MIN), state: 'downloading' },
    { name: 'installing', agent: withOffered(agent('a'), r15, 'Installing', T0 - MIN), state: 'installing' },
    { name: 'install pending', agent: withOffered(agent('a'), r15, 'InstallPending', T0 - MIN), state: 'installing' },
    { name: 'timed out since delivery', agent: withOffered(agent('a'), r15, 'Downloading', T0 - 11 * MIN), state: 'timedOut', reason: 'not installed within installTimeout (600s)' },
    {
      name: 'timed out from first report when the delivery record was lost',
      agent: { ...withOffered(agent('a'), r15, 'Installing', T0 - 11 * MIN), delivered: {} },
      state: 'timedOut',
    },
    { name: 'delivered but silent too long', agent: { ...agent('a'), delivered: { [PKG]: { hash: hashOf(r15), at: T0 - 11 * MIN } } }, state: 'timedOut' },
    { name: 'install failed', agent: withOffered(agent('a'), r15, 'InstallFailed', T0 - MIN, { error: 'bad signature' }), state: 'failed', reason: 'install failed: bad signature' },
    { name: 'install failed without error', agent: withOffered(agent('a'), r15, 'InstallFailed', T0 - MIN), state: 'failed', reason: 'install failed: no error reported' },
    { name: 'installed, not healthy for long enough', agent: withInstalled(agent('a'), r15, T0 - 30_000), state: 'installed' },
    {
      name: 'installed but unhealthy for healthyFor',
      agent: withInstalled({ ...agent('a'), health: { healthy: false, since: T0 - 2 * MIN, lastError: 'exporter down' } }, r15, T0 - 5 * MIN),
      state: 'failed',
      reason: 'unhealthy after install: exporter down',
    },
    {
      name: 'installed, unhealthy without error',
      agent: withInstalled({ ...agent('a'), health: { healthy: false, since: T0 - 2 * MIN } }, r15, T0 - 5 * MIN),
      state: 'failed',
      reason: 'unhealthy after install: no error reported',
    },
    { name: 'installed, recently unhealthy', agent: withInstalled({ ...agent('a'), health: { healthy: false, since: T0 - 10_000 } }, r15, T0 - 5 * MIN), state: 'installed' },
  ];
  it.each(cases)('$name → $state', (row) => {
    const placement = plan({ policies: [pol], releases, agents: [row.agent, agent('zz-keep-ring-open')] }).membership[0]!.agents['a']!;
    expect(placement.state).toBe(row.state);
    if (row.reason !== undefined) expect(placement.reason).toBe(row.reason);
  });
});

describe('bake', () => {
  it('bakes after success, then succeeds and opens the next ring', () => {
    const rings: Ring[] = [{ name: 'canary', selector: { matchLabels: { canary: 'true' } }, bake: '30m' }, { name: 'everyone' }];
    const pol = policy(r15.metadata.name, rings);
    const agents = [withInstalled(agent('c', { canary: 'true' }), r15, T0 - MIN), agent('e')];
    const baking = plan({ policies: [pol], releases, agents });
    expect(baking.statuses[PKG]).toMatchObject({ phase: 'Baking', currentRing: 'canary' });
    expect(baking.statuses[PKG]!.rings[0]).toMatchObject({ phase: 'Baking', succeededAt: '2026-11-21T09:00:00Z', bakeUntil: '2026-11-21T09:30:00Z' });
    expect(baking.events.map((e) => e.reason)).toEqual(['RolloutStarted', 'RingStarted', 'RingBaking']);
    expect(baking.wakeAt[PKG]).toBe(T0 + 30 * MIN);
    expect(offeredVersions(baking)['e']).toBeUndefined();
    const still = replan({ policies: [pol], releases, agents, now: T0 + 29 * MIN }, baking);
    expect(still.statuses[PKG]!.rings[0]!.phase).toBe('Baking');
    const done = replan({ policies: [pol], releases, agents, now: T0 + 30 * MIN }, still);
    expect(done.statuses[PKG]!.rings.map((r) => r.phase)).toEqual(['Succeeded', 'Progressing']);
    expect(done.statuses[PKG]!.rings[0]!.message).toBeUndefined();
    expect(offeredVersions(done)['e']).toBe('1.5.0');
  });

  it('fails during bake when failures cross maxFailures', () => {
    const pol = policy(r15.metadata.name, [{ name: 'canary', bake: '30m' }], { strategy: { maxConcurrent: '100%', healthyFor: '1m' } });
    const healthy = withInstalled(agent('c'), r15, T0 - 2 * MIN);
    const baking = plan({ policies: [pol], releases, agents: [healthy] });
    const sick = { ...healthy, health: { healthy: false, since: T0 + MIN } };
    const failed = replan({ policies: [pol], releases, agents: [sick], now: T0 + 3 * MIN }, baking);
    expect(failed.statuses[PKG]).toMatchObject({ phase: 'Failed' });
    expect(failed.statuses[PKG]!.rings[0]).toMatchObject({ phase: 'Failed', failedAt: '2026-11-21T09:03:00Z' });
  });
});

describe('stable release', () => {
  it('becomes the target when the last ring succeeds; everyone is then offered it', () => {
    const pol = policy(r15.metadata.name, [{ name: 'all' }]);
    const result = plan({ policies: [pol], releases, agents: [withInstalled(agent('a'), r15, T0 - MIN)], previous: completed(r14, [{ name: 'all' }]) });
    expect(result.statuses[PKG]).toMatchObject({ phase: 'Succeeded', stableRelease: r15.metadata.name });
    expect(result.statuses[PKG]!.currentRing).toBeUndefined();
    expect(result.statuses[PKG]!.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(result.events.at(-1)).toMatchObject({ reason: 'Completed', message: 'otelcol-custom-1.5.0 is now the stable release' });
    const late = replan({ policies: [pol], releases, agents: [withInstalled(agent('a'), r15, T0 - MIN), agent('new')], now: T0 + MIN }, result);
    expect(offeredVersions(late)).toEqual({ a: '1.5.0', new: '1.5.0' });
    expect(late.events).toEqual([]);
  });
});
