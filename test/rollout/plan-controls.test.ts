import { describe, expect, it } from 'vitest';
import type { Ring } from '../../src/manifests/types.ts';
import { agent, completed, fleet, MIN, offeredVersions, plan, PKG, policy, release, replan, states, T0, withInstalled, withOffered } from './fixtures.ts';

const r14 = release('1.4.0');
const r15 = release('1.5.0');
const releases = [r14, r15];
const one: Ring[] = [{ name: 'all' }];

describe('pacing', () => {
  it('offers at most maxConcurrent at once and the next batch as agents finish', () => {
    const pol = policy(r15.metadata.name, one, { strategy: { maxConcurrent: 2, healthyFor: '0s' } });
    const agents = fleet('a', 5);
    const first = plan({ policies: [pol], releases, agents });
    expect(offeredVersions(first)).toEqual({ 'a-000': '1.5.0', 'a-001': '1.5.0', 'a-002': undefined, 'a-003': undefined, 'a-004': undefined });
    // Same input again (not delivered yet): the same two, no third.
    expect(offeredVersions(replan({ policies: [pol], releases, agents }, first))).toEqual(offeredVersions(first));
    const progressed = [withInstalled(agents[0]!, r15, T0), withOffered(agents[1]!, r15, 'Downloading', T0), ...agents.slice(2)];
    const second = replan({ policies: [pol], releases, agents: progressed, now: T0 + MIN }, first);
    expect(states(second)).toEqual({ 'a-000': 'healthy', 'a-001': 'downloading', 'a-002': 'offered', 'a-003': 'pending', 'a-004': 'pending' });
    expect(second.statuses[PKG]!.rings[0]!.counts).toMatchObject({ offered: 3, downloading: 1, installed: 1, healthy: 1 });
  });

  it('resolves a percent against the compatible agents of the ring, rounding up, at least one', () => {
    const pol = policy(r15.metadata.name, one, { strategy: { maxConcurrent: '10%' } });
    const agents = [...fleet('a', 15), ...fleet('x', 5, {}, { acceptsPackages: false })];
    expect(plan({ policies: [pol], releases, agents }).statuses[PKG]!.rings[0]!.counts.offered).toBe(2);
    const zero = policy(r15.metadata.name, one, { strategy: { maxConcurrent: 0 } });
    expect(plan({ policies: [zero], releases, agents }).statuses[PKG]!.rings[0]!.counts.offered).toBe(1);
  });

  it('does not offer to agents already over the limit and does not count offline ones in flight', () => {
    const pol = policy(r15.metadata.name, one, { strategy: { maxConcurrent: 1 } });
    const agents = [withOffered(agent('a'), r15, 'Installing'), withOffered(agent('b'), r15, 'Installing'), agent('c')];
    expect(states(plan({ policies: [pol], releases, agents }))).toMatchObject({ a: 'installing', b: 'installing', c: 'pending' });
    const offline = [withOffered(agent('a', {}, { online: false }), r15, 'Installing'), agent('c')];
    const result = plan({ policies: [pol], releases, agents: offline });
    expect(states(result)).toEqual({ a: 'offline', c: 'offered' });
    // The offline agent keeps its target offer: it finishes when it comes back.
    expect(offeredVersions(result)).toEqual({ a: '1.5.0', c: '1.5.0' });
  });
});

describe('failure', () => {
  const failing = (n: number): ReturnType<typeof agent>[] =>
    fleet('a', 4).map((a, i) => (i < n ? withOffered(a, r15, 'InstallFailed', T0, { error: 'boom' }) : withOffered(a, r15, 'Installing', T0)));

  it('tolerates failures up to maxFailures', () => {
    const pol = policy(r15.metadata.name, [{ name: 'all', maxFailures: 1 }]);
    const result = plan({ policies: [pol], releases, agents: failing(1), previous: completed(r14, one) });
    expect(result.statuses[PKG]!.phase).toBe('Progressing');
    expect(result.statuses[PKG]!.rings[0]!.counts.failed).toBe(1);
  });

  it('onFailure pause: halts new offers, in-flight agents keep the target', () => {
    const pol = policy(r15.metadata.name, [{ name: 'all', maxFailures: '25%' }], { strategy: { onFailure: 'pause', maxConcurrent: '100%' } });
    const agents = [...failing(2), agent('new')];
    const result = plan({ policies: [pol], releases, agents, previous: completed(r14, one) });
    expect(result.statuses[PKG]).toMatchObject({ phase: 'Failed', message: 'ring all: 2 failed or timed out, maxFailures allows 1; halted' });
    expect(result.statuses[PKG]!.conditions.find((c) => c.type === 'Halted')).toMatchObject({ status: 'True', reason: 'Failed' });
    expect(result.events.find((e) => e.reason === 'RingFailed')).toMatchObject({ type: 'Warning', ring: 'all' });
    expect(offeredVersions(result)).toMatchObject({ 'a-000': '1.5.0', 'a-002': '1.5.0', new: '1.4.0' });
    // Terminal for this release: stays failed.
    const again = replan({ policies: [pol], releases, agents: fleet('a', 4).map((a) => withInstalled(a, r15)), now: T0 + MIN }, result);
    expect(again.statuses[PKG]!.phase).toBe('Failed');
    expect(again.events).toEqual([]);
  });

  it('onFailure rollback: offers the stable release to every agent of this rollout, even a downgrade', () => {
    const rings: Ring[] = [{ name: 'canary', selector: { matchLabels: { canary: 'true' } } }, { name: 'all' }];
    const pol = policy(r15.metadata.name, rings, { strategy: { onFailure: 'rollback', maxConcurrent: '100%' } });
    const agents = [withInstalled(agent('c', { canary: 'true' }), r15, T0 - MIN), withOffered(agent('b'), r15, 'InstallFailed'), withOffered(agent('d'), r15, 'Installing'), agent('e')];
    const result = plan({ policies: [pol], releases, agents, previous: completed(r14, rings) });
    expect(result.statuses[PKG]).toMatchObject({ phase: 'RolledBack', stableRelease: r14.metadata.name });
    expect(result.statuses[PKG]!.rings.map((r) => r.phase)).toEqual(['Succeeded', 'RolledBack']);
    expect(offeredVersions(result)).toEqual({ b: '1.4.0', c: '1.4.0', d: '1.4.0', e: '1.4.0' });
    expect(states(result)).toEqual({ b: 'rolledBack', c: 'rolledBack', d: 'rolledBack', e: 'pending' });
    expect(result.events.map((e) => e.reason)).toEqual(['RolloutStarted', 'RingStarted', 'RingSucceeded', 'RingStarted', 'RingFailed', 'RolledBack']);
  });

  it('rollback without a stable release halts like pause and says so', () => {
    const pol = policy(r15.metadata.name, one, { strategy: { onFailure: 'rollback' } });
    const result = plan({ policies: [pol], releases, agents: failing(1) });
    expect(result.statuses[PKG]).toMatchObject({ phase: 'Failed' });
    expect(result.statuses[PKG]!.message).toContain('no stable release to roll back to: halted');
    expect(offeredVersions(result)['a-001']).toBe('1.5.0');
  });

  it('progressDeadline fails a ring that does not finish in time', () => {
    const pol = policy(r15.metadata.name, one, { strategy: { progressDeadline: '1h' } });
    const agents = [withOffered(agent('a'), r15, 'Installing', T0)];
    const started = plan({ policies: [pol], releases, agents });
    expect(started.wakeAt[PKG]).toBe(T0 + 15 * MIN + 1);
    const stuck = [{ ...agents[0]!, packages: { [PKG]: { ...agents[0]!.packages[PKG]!, since: T0 + 50 * MIN } }, delivered: { [PKG]: { hash: agents[0]!.delivered![PKG]!.hash, at: T0 + 50 * MIN } } }];
    const late = replan({ policies: [pol], releases, agents: stuck, now: T0 + 61 * MIN }, started);
    expect(late.statuses[PKG]!.rings[0]).toMatchObject({ phase: 'Failed', message: 'progressDeadline passed with 0/1 agents finished; halted' });
    expect(late.events.map((e) => e.reason)).toEqual(['ProgressDeadlineExceeded']);
  });
});

describe('approvals', () => {
  const rings: Ring[] = [{ name: 'canary', selector: { matchLabels: { canary: 'true' } } }, { name: 'everyone', requireApproval: true }];
  const agents = [withInstalled(agent('c', { canary: 'true' }), r15, T0 - MIN), agent('e')];

  it('waits for the ring name in spec.approvals, then opens it', () => {
    const waiting = plan({ policies: [policy(r15.metadata.name, rings)], releases, agents });
    expect(waiting.statuses[PKG]).toMatchObject({ phase: 'WaitingApproval', currentRing: 'everyone' });
    expect(waiting.statuses[PKG]!.conditions[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'WaitingApproval', message: 'ring everyone needs approval: add "everyone" to spec.approvals' });
    expect(offeredVersions(waiting)['e']).toBeUndefined();
    expect(waiting.events.map((e) => e.reason)).toContain('WaitingApproval');
    const approved = replan({ policies: [policy(r15.metadata.name, rings, { approvals: ['everyone'] })], releases, agents, now: T0 + MIN }, waiting);
    expect(approved.statuses[PKG]!.rings[1]).toMatchObject({ phase: 'Progressing', approvedAt: '2026-11-21T09:01:00Z', startedAt: '2026-11-21T09:01:00Z' });
    expect(approved.statuses[PKG]!.rings[1]!.message).toBeUndefined();
    expect(approved.events.map((e) => e.reason)).toEqual(['Approved', 'RingStarted']);
    expect(offeredVersions(approved)['e']).toBe('1.5.0');
  });
});

describe('pause', () => {
  it('stops new offers while in-flight agents keep theirs, and resumes', () => {
    const pol = (paused: boolean) => policy(r15.metadata.name, one, { paused, strategy: { maxConcurrent: '100%' } });
    const agents = [withOffered(agent('a'), r15, 'Installing'), agent('b')];
    const running = plan({ policies: [pol(false)], releases, agents: [agents[0]!] });
    const paused = replan({ policies: [pol(true)], releases, agents, now: T0 + MIN }, running);
    expect(paused.statuses[PKG]).toMatchObject({ phase: 'Paused' });
    expect(paused.statuses[PKG]!.rings[0]!.phase).toBe('Paused');
    expect(offeredVersions(paused)).toEqual({ a: '1.5.0', b: undefined });
    expect(paused.events.map((e) => e.reason)).toEqual(['Paused']);
    expect(paused.wakeAt[PKG]).toBe(T0 + 15 * MIN + 1);
    const resumed = replan({ policies: [pol(false)], releases, agents, now: T0 + 2 * MIN }, paused);
    expect(resumed.statuses[PKG]!.phase).toBe('Progressing');
    expect(resumed.events.map((e) => e.reason)).toEqual(['Resumed']);
    expect(offeredVersions(resumed)).toEqual({ a: '1.5.0', b: '1.5.0' });
  });

  it('paused before the first ring starts: nothing starts', () => {
    const result = plan({ policies: [policy(r15.metadata.name, one, { paused: true })], releases, agents: [agent('a')] });
    expect(result.statuses[PKG]!.rings[0]!.phase).toBe('Pending');
    expect(result.statuses[PKG]!.phase).toBe('Paused');
  });
});

describe('maintenance windows', () => {
  it('gates new offers outside windows and wakes when one opens', () => {
    const windows = [{ start: '10:00', end: '11:00', timeZone: 'UTC' }];
    const result = plan({ policies: [policy(r15.metadata.name, one, { windows })], releases, agents: [agent('a')] });
    expect(result.statuses[PKG]!.message).toBe('ring all: 0/1 healthy; outside maintenance windows: no new offers');
    expect(offeredVersions(result)['a']).toBeUndefined();
    expect(result.wakeAt[PKG]).toBe(T0 + 60 * MIN);
    const open = replan({ policies: [policy(r15.metadata.name, one, { windows })], releases, agents: [agent('a')], now: T0 + 60 * MIN }, result);
    expect(offeredVersions(open)['a']).toBe('1.5.0');
  });
});

describe('abort', () => {
  it('returns affected agents to the stable release at once and stays aborted', () => {
    const pol = (abort: boolean) => policy(r15.metadata.name, one, { abort });
    const agents = [withInstalled(agent('a'), r15), withOffered(agent('b'), r15, 'Downloading'), agent('c')];
    const running = plan({ policies: [pol(false)], releases, agents, previous: completed(r14, one) });
    const aborted = replan({ policies: [pol(true)], releases, agents, now: T0 + MIN }, running);
    expect(aborted.statuses[PKG]).toMatchObject({ phase: 'Aborted', message: `aborted: agents return to the stable release ${r14.metadata.name}` });
    expect(aborted.statuses[PKG]!.rings[0]!.phase).toBe('Aborted');
    expect(offeredVersions(aborted)).toEqual({ a: '1.4.0', b: '1.4.0', c: '1.4.0' });
    expect(aborted.events.map((e) => e.reason)).toEqual(['Aborted']);
    const cleared = replan({ policies: [pol(false)], releases, agents, now: T0 + 2 * MIN }, aborted);
    expect(cleared.statuses[PKG]!.phase).toBe('Aborted');
  });

  it('without a stable release: halts, agents keep what they have', () => {
    const agents = [withOffered(agent('a'), r15, 'Downloading'), withInstalled(agent('b'), r14)];
    const result = plan({ policies: [policy(r15.metadata.name, [{ name: 'all' }, { name: 'never', requireApproval: true }], { abort: true })], releases, agents });
    expect(result.statuses[PKG]!.message).toBe('aborted: no stable release to return to, halted (agents keep what they have)');
    expect(offeredVersions(result)).toEqual({ a: undefined, b: 'keep:1.4.0' });
  });

  it('aborts a baking ring', () => {
    const pol = (abort: boolean) => policy(r15.metadata.name, [{ name: 'all', bake: '1h' }], { abort });
    const agents = [withInstalled(agent('a'), r15, T0 - MIN)];
    const baking = plan({ policies: [pol(false)], releases, agents, previous: completed(r14, one) });
    expect(baking.statuses[PKG]!.phase).toBe('Baking');
    const aborted = replan({ policies: [pol(true)], releases, agents, now: T0 + MIN }, baking);
    expect(aborted.statuses[PKG]!.rings[0]).toMatchObject({ phase: 'Aborted', message: 'aborted: returning agents to the stable release' });
    expect(offeredVersions(aborted)).toEqual({ a: '1.4.0' });
  });

  it('aborts a ring waiting for approval; is ignored once the rollout completed', () => {
    const rings: Ring[] = [{ name: 'gate', requireApproval: true }];
    const waiting = plan({ policies: [policy(r15.metadata.name, rings)], releases, agents: [agent('a')] });
    const aborted = replan({ policies: [policy(r15.metadata.name, rings, { abort: true })], releases, agents: [agent('a')] }, waiting);
    expect(aborted.statuses[PKG]!.rings[0]!.phase).toBe('Aborted');
    const done = completed(r15, one);
    const late = plan({ policies: [policy(r15.metadata.name, one, { abort: true })], releases, agents: [agent('a')], previous: done });
    expect(late.statuses[PKG]!.phase).toBe('Succeeded');
  });
});
