import { describe, expect, it } from 'vitest';
import type { PolicyStatus, Ring } from '../../src/manifests/types.ts';
import { HISTORY_LIMIT } from '../../src/rollout/history.ts';
import { statusEquals } from '../../src/rollout/summary.ts';
import { agent, completed, MIN, offeredVersions, plan, PKG, policy, release, replan, T0, withInstalled, withOffered } from './fixtures.ts';

const r14 = release('1.4.0');
const r15 = release('1.5.0');
const r16 = release('1.6.0');
const releases = [r14, r15, r16];
const rings: Ring[] = [{ name: 'canary', selector: { matchLabels: { canary: 'true' } } }, { name: 'everyone', requireApproval: true }];

describe('rollouts over time', () => {
  it('a new release starts a new rollout at the first ring and keeps the old one in history', () => {
    const agents = [withInstalled(agent('c', { canary: 'true' }), r15, T0 - MIN), agent('e')];
    const first = plan({ policies: [policy(r15.metadata.name, rings)], releases, agents, previous: completed(r14, [{ name: 'all' }]) });
    expect(first.statuses[PKG]!.phase).toBe('WaitingApproval');
    const next = replan({ policies: [policy(r16.metadata.name, rings)], releases, agents, now: T0 + 5 * MIN }, first);
    const status = next.statuses[PKG]!;
    expect(status).toMatchObject({ release: r16.metadata.name, stableRelease: r14.metadata.name, currentRing: 'canary', startedAt: '2026-11-21T09:05:00Z' });
    expect(status.rings[0]).toMatchObject({ phase: 'Progressing', startedAt: '2026-11-21T09:05:00Z' });
    expect(status.history![0]).toEqual({ release: r15.metadata.name, phase: 'WaitingApproval', startedAt: '2026-11-21T09:00:00Z', finishedAt: '2026-11-21T09:05:00Z', message: first.statuses[PKG]!.message });
    expect(status.history![1]).toMatchObject({ release: r14.metadata.name, phase: 'Succeeded', finishedAt: '2026-11-21T08:00:00Z' });
    expect(next.events[0]).toMatchObject({ reason: 'RolloutStarted', message: `rollout of ${r16.metadata.name} started (replacing ${r15.metadata.name}, WaitingApproval)` });
    expect(offeredVersions(next)).toEqual({ c: '1.6.0', e: '1.4.0' });
  });

  it('starts cleanly after an abort or a failure', () => {
    const failed = plan({
      policies: [policy(r15.metadata.name, [{ name: 'all' }])],
      releases,
      agents: [withOffered(agent('a'), r15, 'InstallFailed')],
      previous: completed(r14, [{ name: 'all' }]),
    });
    expect(failed.statuses[PKG]!.phase).toBe('Failed');
    const fresh = replan({ policies: [policy(r16.metadata.name, [{ name: 'all' }])], releases, agents: [withOffered(agent('a'), r15, 'InstallFailed')], now: T0 + MIN }, failed);
    expect(fresh.statuses[PKG]!.phase).toBe('Progressing');
    expect(fresh.statuses[PKG]!.rings[0]!.failedAt).toBeUndefined();
    expect(offeredVersions(fresh)).toEqual({ a: '1.6.0' });
    const aborted = plan({ policies: [policy(r15.metadata.name, [{ name: 'all' }], { abort: true })], releases, agents: [agent('a')] });
    const after = replan({ policies: [policy(r16.metadata.name, [{ name: 'all' }])], releases, agents: [agent('a')], now: T0 + MIN }, aborted);
    expect(after.statuses[PKG]!.phase).toBe('Progressing');
  });

  it('late joiners follow their ring: a finished ring gives the target, a later ring the stable release', () => {
    const agents = [withInstalled(agent('c', { canary: 'true' }), r15, T0 - MIN), agent('e')];
    const first = plan({ policies: [policy(r15.metadata.name, rings)], releases, agents, previous: completed(r14, [{ name: 'all' }]) });
    const joined = [...agents, agent('c2', { canary: 'true' }), agent('e2')];
    const later = replan({ policies: [policy(r15.metadata.name, rings)], releases, agents: joined, now: T0 + MIN }, first);
    expect(offeredVersions(later)).toEqual({ c: '1.5.0', c2: '1.5.0', e: '1.4.0', e2: '1.4.0' });
  });

  it('caps history', () => {
    let previous: Record<string, PolicyStatus> = {};
    for (let i = 0; i < HISTORY_LIMIT + 3; i++) {
      const rel = release(`2.0.${i}`);
      previous = plan({ policies: [policy(rel.metadata.name, [{ name: 'all' }])], releases: [rel], agents: [], previous, now: T0 + i * MIN }).statuses as Record<string, PolicyStatus>;
    }
    expect(previous[PKG]!.history).toHaveLength(HISTORY_LIMIT);
    expect(previous[PKG]!.history![0]!.release).toBe(`${PKG}-2.0.${HISTORY_LIMIT + 1}`);
  });
});

describe('idempotence and restarts', () => {
  const pol = policy(r15.metadata.name, [{ name: 'canary', selector: { matchLabels: { canary: 'true' } }, bake: '10m' }, { name: 'everyone' }], { strategy: { maxConcurrent: 1, healthyFor: '1m' } });
  const agents = [withInstalled(agent('c', { canary: 'true' }), r15, T0 - 5 * MIN), agent('e1'), agent('e2')];

  it('the same input gives the same output, timestamps included', () => {
    const input = { policies: [pol], releases, agents, now: T0, revision: 'abc123' };
    expect(plan(input)).toEqual(plan(input));
  });

  it('replanning its own status at the same time changes nothing and emits no event', () => {
    const first = plan({ policies: [pol], releases, agents });
    const second = replan({ policies: [pol], releases, agents }, first);
    expect(second.events).toEqual([]);
    for (const name of Object.keys(first.statuses)) expect(statusEquals(first.statuses[name]!, second.statuses[name]!)).toBe(true);
    expect(second.offers).toEqual(first.offers);
  });

  it('a restart later keeps every original timestamp and does not restart rings', () => {
    const first = plan({ policies: [pol], releases, agents });
    const later = replan({ policies: [pol], releases, agents, now: T0 + 5 * MIN }, first);
    expect(later.statuses[PKG]!.rings[0]).toEqual(first.statuses[PKG]!.rings[0]);
    expect(later.statuses[PKG]!.startedAt).toBe(first.statuses[PKG]!.startedAt);
    expect(later.statuses[PKG]!.conditions).toEqual(first.statuses[PKG]!.conditions);
  });

  it('records observedGeneration and observedRevision; conditions change their time only on change', () => {
    const withGeneration = { ...pol, metadata: { ...pol.metadata, generation: 7 } };
    const first = plan({ policies: [withGeneration], releases, agents, revision: 'abc123' });
    expect(first.statuses[PKG]).toMatchObject({ observedGeneration: 7, observedRevision: 'abc123' });
    expect(first.statuses[PKG]!.conditions[0]).toMatchObject({ observedGeneration: 7, lastTransitionTime: '2026-11-21T09:00:00Z' });
    const baked = replan({ policies: [withGeneration], releases, agents, now: T0 + 10 * MIN }, first);
    expect(baked.statuses[PKG]!.conditions.find((c) => c.type === 'Reconciling')!.lastTransitionTime).toBe('2026-11-21T09:10:00Z');
  });
});

describe('missing target release', () => {
  it('reports it, offers nothing for the policy, and keeps the previous stable release', () => {
    const result = plan({ policies: [policy('nope', [{ name: 'all' }])], releases, agents: [agent('a')], previous: completed(r14, [{ name: 'all' }]) });
    const status = result.statuses[PKG]!;
    expect(status).toMatchObject({ phase: 'Pending', release: 'nope', stableRelease: r14.metadata.name, message: 'release nope not found: add the PackageRelease or fix spec.release' });
    expect(status.conditions[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'ReleaseNotFound' });
    expect(status.rings).toEqual([{ name: 'all', phase: 'Pending', counts: expect.objectContaining({ targeted: 0 }) }]);
    expect(result.offers).toEqual([]);
    expect(result.wakeAt).toEqual({});
    const again = plan({ policies: [policy('nope', [{ name: 'all' }])], releases, agents: [agent('a')], previous: result.statuses as Record<string, PolicyStatus> });
    expect(again.statuses[PKG]!.rings).toBe(status.rings);
  });
});
