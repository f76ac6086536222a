/**
 * Scale-out modes of `planRollout` (docs/rollout.md "Several replicas"): the leader's
 * gates and pacing count the other replicas' agents; followers offer what the leader's
 * statuses decided and decide nothing.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyStatus, Ring, RingCounts } from '../../src/manifests/types.ts';
import { emptyCounts } from '../../src/rollout/fleet-tally.ts';
import { planRollout } from '../../src/rollout/plan.ts';
import type { PlanInput, ReplicaInput } from '../../src/rollout/types.ts';
import {
  completed, fleet, MIN, offeredVersions, plan, PKG, policy, release, states, T0, withInstalled, withOffered,
} from './fixtures.ts';

const r14 = release('1.4.0');
const r15 = release('1.5.0');
const releases = [r14, r15];
const rings: Ring[] = [{ name: 'canary', selector: { matchLabels: { canary: 'true' } } }, { name: 'everyone' }];
const counts = (extra: Partial<RingCounts>): RingCounts => ({ ...emptyCounts(), ...extra });
const pol = policy(r15.metadata.name, rings, { strategy: { maxConcurrent: 2, healthyFor: '0s' } });

function withReplica(input: Partial<PlanInput> & Pick<PlanInput, 'agents'>, replica: ReplicaInput): ReturnType<typeof planRollout> {
  return planRollout({ policies: [pol], releases, previous: {}, now: T0, ...input, replica });
}

describe('leader with the other replicas’ counts', () => {
  const canaries = fleet('c', 1, { canary: 'true' }).map((a) => withInstalled(a, r15, T0 - MIN));

  it('keeps a ring open while remote agents are unfinished, and writes the fleet-wide sums', () => {
    const remote = { [PKG]: { canary: counts({ targeted: 2, offered: 1, installing: 1 }) } };
    const result = withReplica({ agents: canaries }, { remoteCounts: remote });
    const canary = result.statuses[PKG]!.rings[0]!;
    expect(canary.phase).toBe('Progressing');
    expect(canary.counts).toEqual(counts({ targeted: 3, offered: 2, installing: 1, installed: 1, healthy: 1 }));
    expect(result.statuses[PKG]!.rings[1]!.phase).toBe('Pending');
    // What this replica publishes is its own part only.
    expect(result.replica!.counts[PKG]!['canary']).toEqual(counts({ targeted: 1, offered: 1, installed: 1, healthy: 1 }));
    // Alone, the same agents would have finished the ring.
    expect(plan({ policies: [pol], releases, agents: canaries }).statuses[PKG]!.rings[0]!.phase).toBe('Succeeded');
  });

  it('succeeds a ring once every replica’s agents finished', () => {
    const remote = { [PKG]: { canary: counts({ targeted: 3, offered: 2, installed: 2, healthy: 2, offline: 1 }), everyone: counts({}) } };
    const result = withReplica({ agents: canaries }, { remoteCounts: remote });
    expect(result.statuses[PKG]!.rings.map((r) => r.phase)).toEqual(['Succeeded', 'Succeeded']);
    expect(result.events.map((e) => e.reason)).toContain('Completed');
  });

  it('fails a ring on the remote agents’ failures', () => {
    const remote = { [PKG]: { canary: counts({ targeted: 2, offered: 2, failed: 1, installed: 1, healthy: 1 }) } };
    const result = withReplica({ agents: canaries }, { remoteCounts: remote });
    expect(result.statuses[PKG]!.rings[0]).toMatchObject({ phase: 'Failed', message: '1 failed or timed out, maxFailures allows 0; halted' });
    expect(result.events.map((e) => e.reason)).toEqual(['RolloutStarted', 'RingStarted', 'RingFailed']);
  });

  it('counts remote agents in flight against maxConcurrent', () => {
    const own = fleet('c', 4, { canary: 'true' });
    const none = withReplica({ agents: own }, { remoteCounts: { [PKG]: { canary: counts({ targeted: 4, offered: 2, downloading: 2 }) } } });
    expect(Object.values(states(none))).toEqual(['pending', 'pending', 'pending', 'pending']);
    const one = withReplica({ agents: own }, { remoteCounts: { [PKG]: { canary: counts({ targeted: 4, offered: 1, downloading: 1 }) } } });
    expect(Object.values(states(one)).filter((s) => s === 'offered')).toHaveLength(1);
    expect(one.statuses[PKG]!.rings[0]!.counts).toMatchObject({ targeted: 8, offered: 2, downloading: 1 });
    expect(one.replica!.counts[PKG]!['canary']).toMatchObject({ targeted: 4, offered: 1, downloading: 0 });
  });

  it('limits its own new offers to its share, minus its own agents in flight', () => {
    const own = [withOffered(fleet('a', 1, { canary: 'true' })[0]!, r15, 'Downloading'), ...fleet('c', 3, { canary: 'true' })];
    const wide = policy(r15.metadata.name, rings, { strategy: { maxConcurrent: '100%', healthyFor: '0s' } });
    const result = planRollout({ policies: [wide], releases, agents: own, previous: {}, now: T0, replica: { budgets: { [PKG]: { canary: 2 } } } });
    expect(Object.values(states(result)).filter((s) => s === 'offered')).toHaveLength(1);
    expect(states(result)['a-000']).toBe('downloading');
  });

  it('plans as alone when the others counted nothing, and holds rings they did not count', () => {
    const alone = plan({ policies: [pol], releases, agents: canaries });
    const empty = withReplica({ agents: canaries }, { remoteCounts: { [PKG]: { canary: counts({}), everyone: counts({}) } } });
    expect(empty.statuses).toEqual(alone.statuses);
    expect(empty.offers).toEqual(alone.offers);
    expect(alone.replica).toBeUndefined();
    // Some replica has not counted the policy (yet): its agents might be anywhere.
    const unknown = withReplica({ agents: canaries }, { remoteCounts: { other: {} } });
    expect(unknown.statuses[PKG]!.rings.map((r) => r.phase)).toEqual(['Progressing', 'Pending']);
    const ringUnknown = withReplica({ agents: canaries }, { remoteCounts: { [PKG]: { canary: counts({}) } } });
    expect(ringUnknown.statuses[PKG]!.rings.map((r) => r.phase)).toEqual(['Succeeded', 'Progressing']);
  });

  it('publishes nothing for a policy whose release is missing', () => {
    const missing = policy('otelcol-custom-9.9.9', rings);
    const result = planRollout({ policies: [missing], releases, agents: canaries, previous: {}, now: T0, replica: {} });
    expect(result.replica).toEqual({ counts: {}, releases: {} });
  });
});

describe('follower', () => {
  const canaries = fleet('c', 2, { canary: 'true' });
  const others = fleet('e', 4);
  /** The leader's status once the canaries (on the leader) finished: canary Succeeded, everyone Progressing. */
  const leaderStatus = (): Record<string, PolicyStatus> => {
    // The leader sees the followers' agents of ring everyone through their counts.
    const remoteCounts = { [PKG]: { canary: counts({}), everyone: counts({ targeted: 4 }) } };
    const agents = canaries.map((a) => withInstalled(a, r15, T0 - MIN));
    return planRollout({ policies: [pol], releases, agents, previous: completed(r14, [{ name: 'x' }]), now: T0, replica: { remoteCounts } }).statuses;
  };

  it('offers an open ring within its share, finished rings unpaced, and decides nothing', () => {
    const follow = leaderStatus();
    expect(follow[PKG]!.rings.map((r) => r.phase)).toEqual(['Succeeded', 'Progressing']);
    const lateCanary = fleet('late', 1, { canary: 'true' });
    const input: PlanInput = { policies: [pol], releases, agents: [...lateCanary, ...others], previous: {}, now: T0 + MIN, replica: { follow, budgets: { [PKG]: { everyone: 1 } } } };
    const result = planRollout(input);
    // Pending agents are offered the stable release the leader's status names.
    expect(offeredVersions(result)).toEqual({ 'e-000': '1.5.0', 'e-001': '1.4.0', 'e-002': '1.4.0', 'e-003': '1.4.0', 'late-000': '1.5.0' });
    expect(result.statuses).toEqual(input.replica!.follow);
    expect(result.events).toEqual([]);
    expect(result.replica!.counts[PKG]).toEqual({ canary: counts({ targeted: 1, offered: 1 }), everyone: counts({ targeted: 4, offered: 1 }) });
    expect(planRollout(input)).toEqual(result);
  });

  it('makes no new offers without a share, but keeps agents already working on the target', () => {
    const follow = leaderStatus();
    const working = withOffered(others[0]!, r15, 'Installing');
    const result = planRollout({ policies: [pol], releases, agents: [working, ...others.slice(1)], previous: {}, now: T0 + MIN, replica: { follow } });
    expect(states(result)).toEqual({ 'e-000': 'installing', 'e-001': 'pending', 'e-002': 'pending', 'e-003': 'pending' });
    expect(offeredVersions(result)['e-000']).toBe('1.5.0');
  });

  it('returns agents to the stable release when the leader rolled back or aborted', () => {
    const rollback = policy(r15.metadata.name, rings, { strategy: { maxConcurrent: 2, healthyFor: '0s', onFailure: 'rollback' } });
    const failed = canaries.map((a) => withOffered(a, r15, 'InstallFailed'));
    const leader = plan({ policies: [rollback], releases, agents: failed, previous: completed(r14, [{ name: 'x' }]) });
    expect(leader.statuses[PKG]!.phase).toBe('RolledBack');
    const own = [withOffered(fleet('f', 1, { canary: 'true' })[0]!, r15, 'Downloading')];
    const result = planRollout({ policies: [rollback], releases, agents: own, previous: {}, now: T0, replica: { follow: leader.statuses, budgets: { [PKG]: { canary: 5 } } } });
    expect(offeredVersions(result)).toEqual({ 'f-000': '1.4.0' });
    expect(states(result)['f-000']).toBe('rolledBack');
    const aborted = plan({ policies: [policy(r15.metadata.name, rings, { abort: true })], releases, agents: [], previous: completed(r14, [{ name: 'x' }]) });
    expect(aborted.statuses[PKG]!.phase).toBe('Aborted');
    const afterAbort = planRollout({ policies: [pol], releases, agents: own, previous: {}, now: T0, replica: { follow: aborted.statuses } });
    expect(offeredVersions(afterAbort)).toEqual({ 'f-000': '1.4.0' });
  });

  it('offers nothing new in a ring waiting for approval, even when its own spec approves it', () => {
    const gated = policy(r15.metadata.name, [{ name: 'canary', requireApproval: true }], { strategy: { maxConcurrent: '100%' } });
    const leader = plan({ policies: [gated], releases, agents: [] });
    expect(leader.statuses[PKG]!.rings[0]!.phase).toBe('WaitingApproval');
    const approved = { ...gated, spec: { ...gated.spec, approvals: ['canary'] } };
    const result = planRollout({ policies: [approved], releases, agents: canaries, previous: {}, now: T0, replica: { follow: leader.statuses, budgets: { [PKG]: { canary: 5 } } } });
    expect(Object.values(states(result))).toEqual(['pending', 'pending']);
  });

  it('never opens a ring after one that has not succeeded, whatever the status says', () => {
    const follow = leaderStatus();
    const misread = { [PKG]: { ...follow[PKG]!, rings: [{ ...follow[PKG]!.rings[0]!, phase: 'Progressing' as const }, follow[PKG]!.rings[1]!] } };
    const result = planRollout({ policies: [pol], releases, agents: others, previous: {}, now: T0, replica: { follow: misread, budgets: { [PKG]: { everyone: 4 } } } });
    expect(Object.values(states(result))).toEqual(['pending', 'pending', 'pending', 'pending']);
  });

  it('holds on a status for another release or none: stable release or what agents have, no status written', () => {
    const stableOnly = completed(r14, rings);
    const own = fleet('e', 1);
    const behind = planRollout({ policies: [pol], releases, agents: own, previous: {}, now: T0, replica: { follow: stableOnly, budgets: { [PKG]: { canary: 5, everyone: 5 } } } });
    expect(offeredVersions(behind)).toEqual({ 'e-000': '1.4.0' });
    expect(behind.statuses).toEqual(stableOnly);
    const withR14 = [withInstalled(own[0]!, r14)];
    const none = planRollout({ policies: [pol], releases, agents: withR14, previous: {}, now: T0, replica: { follow: {}, budgets: { [PKG]: { canary: 5, everyone: 5 } } } });
    expect(offeredVersions(none)).toEqual({ 'e-000': 'keep:1.4.0' });
    expect(none.statuses).toEqual({});
    expect(none.replica!.counts[PKG]!['everyone']).toEqual(counts({ targeted: 1 }));
  });

  it('holds new offers while its own spec is paused or outside its windows', () => {
    const follow = leaderStatus();
    const paused = { ...pol, spec: { ...pol.spec, paused: true } };
    const result = planRollout({ policies: [paused], releases, agents: others, previous: {}, now: T0, replica: { follow, budgets: { [PKG]: { everyone: 4 } } } });
    expect(Object.values(states(result))).toEqual(['pending', 'pending', 'pending', 'pending']);
    const windowed = { ...pol, spec: { ...pol.spec, windows: [{ days: ['Sat' as const], start: '10:00', end: '11:00', timeZone: 'UTC' }] } };
    const outside = planRollout({ policies: [windowed], releases, agents: others, previous: {}, now: T0, replica: { follow, budgets: { [PKG]: { everyone: 4 } } } });
    expect(Object.values(states(outside))).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(outside.wakeAt[PKG]).toBe(Date.parse('2026-11-21T10:00:00Z'));
    // The leader paused (its spec, not yet this replica's): hold as well.
    const leaderPaused = { [PKG]: { ...follow[PKG]!, phase: 'Paused' as const } };
    const held = planRollout({ policies: [pol], releases, agents: others, previous: {}, now: T0, replica: { follow: leaderPaused, budgets: { [PKG]: { everyone: 4 } } } });
    expect(Object.values(states(held))).toEqual(['pending', 'pending', 'pending', 'pending']);
  });

  it('wakes for its agents’ install timeouts and offers nothing for a missing release', () => {
    const follow = leaderStatus();
    const working = [withOffered(others[0]!, r15, 'Installing', T0)];
    const result = planRollout({ policies: [pol], releases, agents: working, previous: {}, now: T0 + MIN, replica: { follow } });
    expect(result.wakeAt[PKG]).toBe(T0 + 15 * MIN + 1);
    const missing = policy('otelcol-custom-9.9.9', rings);
    const none = planRollout({ policies: [missing], releases, agents: working, previous: {}, now: T0, replica: { follow } });
    expect(none.offers).toEqual([]);
    expect(none.membership).toEqual([{ policy: PKG, agents: {} }]);
    expect(none.replica).toEqual({ counts: {}, releases: {} });
  });
});
