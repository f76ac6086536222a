/**
 * Scale-out properties (docs/rollout.md "Several replicas"): a fleet split across 2–3
 * replicas — the leader planning its own agents plus the others' published counts, the
 * followers following the leader's statuses, everyone within its `replicaView` share —
 * keeps the ring order and `maxConcurrent` fleet-wide, and ends where one replica planning
 * the whole fleet ends. Followers are deterministic and never move a phase.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveCountOrPercent } from '../../src/manifests/duration.ts';
import type { PolicyStatus, Ring, RingPhase, RolloutPolicy } from '../../src/manifests/types.ts';
import { planRollout } from '../../src/rollout/plan.ts';
import { replicaView, type ReplicaPublication } from '../../src/rollout/replica-view.ts';
import { resolveRingGates, resolveStrategy } from '../../src/rollout/strategy.ts';
import type { AgentObservation, PlanResult } from '../../src/rollout/types.ts';
import { agent, completed, hashOf, MIN, PKG, policy, release, T0 } from './fixtures.ts';

const r14 = release('1.4.0');
const r15 = release('1.5.0');
const releases = [r14, r15];
const TERMINAL = new Set(['Succeeded', 'Failed', 'RolledBack', 'WaitingApproval']);

const policyArb: fc.Arbitrary<RolloutPolicy> = fc
  .record({
    rings: fc.array(
      fc.record({
        percent: fc.constantFrom<number | null>(null, 20, 50),
        tier: fc.constantFrom<string | null>(null, 'a'),
        maxFailures: fc.constantFrom<number | string>(0, 1, '20%'),
        bake: fc.constantFrom('0s', '10m'),
        requireApproval: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    maxConcurrent: fc.constantFrom<number | string>(1, 2, 3, '50%'),
    onFailure: fc.constantFrom('pause' as const, 'rollback' as const),
    approvals: fc.subarray(['ring0', 'ring1', 'ring2']),
  })
  .map((p) => {
    const rings = p.rings.map(({ percent, tier, ...rest }, i): Ring => {
      const ring: Ring = { name: `ring${i}`, ...rest };
      if (percent !== null) ring.percent = percent;
      if (tier !== null) ring.selector = { matchLabels: { tier } };
      return ring;
    });
    return policy(r15.metadata.name, rings, { approvals: p.approvals, strategy: { maxConcurrent: p.maxConcurrent, onFailure: p.onFailure, healthyFor: '0s', progressDeadline: '30d' } });
  });

/** An agent, the replica it is connected to, whether the target fails on it, and how many steps it downloads. */
interface Member {
  agent: AgentObservation;
  replica: number;
  fails: boolean;
  slow: number;
}

const fleetArb = (replicas: number): fc.Arbitrary<Member[]> =>
  fc.array(
    fc.record({
      tier: fc.constantFrom<string | null>(null, 'a'),
      arch: fc.constantFrom('amd64', 'arm64'),
      replica: fc.integer({ min: 0, max: replicas - 1 }),
      fails: fc.constantFrom(false, false, false, true),
      slow: fc.integer({ min: 0, max: 1 }),
    }),
    { maxLength: 14 },
  ).map((members) => members.map((m, i) => ({
    agent: agent(`agent-${String(i).padStart(2, '0')}`, m.tier === null ? {} : { tier: m.tier }, { platform: { os: 'linux', arch: m.arch } }),
    replica: m.replica,
    fails: m.fails,
    slow: m.slow,
  })));

const scenarioArb = fc.integer({ min: 2, max: 3 }).chain((replicas) => fc.tuple(fc.constant(replicas), policyArb, fleetArb(replicas), fc.boolean()));

const targetOf = (a: AgentObservation): string => hashOf(r15, a.platform!.arch);
const finished = (a: AgentObservation): boolean => a.packages[PKG]?.hasHash === targetOf(a) || a.packages[PKG]?.state === 'InstallFailed';
const touched = (a: AgentObservation): boolean => a.delivered?.[PKG]?.hash === targetOf(a);

/** One step of the agents: those offered the target take it (downloading `slow` steps first), then install or fail. */
function react(members: Member[], offers: ReadonlyMap<string, string | undefined>, now: number): Member[] {
  return members.map((m) => {
    const a = m.agent;
    const wanted = offers.get(a.uid);
    const target = targetOf(a);
    if (finished(a) || wanted !== target) return m;
    const delivered = { [PKG]: { hash: target, at: a.delivered?.[PKG]?.at ?? now } };
    const downloading = a.packages[PKG]?.state === 'Downloading' ? 1 : 0;
    if (downloading < m.slow) return { ...m, agent: { ...a, delivered, packages: { [PKG]: { name: PKG, offeredHash: target, state: 'Downloading', since: now } } } };
    const outcome = m.fails
      ? { name: PKG, offeredHash: target, state: 'InstallFailed' as const, error: 'boom', since: now }
      : { name: PKG, offeredHash: target, hasHash: target, hasVersion: '1.5.0', state: 'Installed' as const, since: now };
    return { ...m, agent: { ...a, delivered, packages: { [PKG]: outcome } } };
  });
}

/** uid → offered hash (with a file: a real offer, not an echo). */
function offeredHashes(results: readonly PlanResult[]): Map<string, string | undefined> {
  return new Map(results.flatMap((r) => r.offers.map((o) => [o.uid, o.packages[PKG]?.file === undefined ? undefined : o.packages[PKG].hash] as const)));
}

interface Outcome {
  phase: string;
  rings: RingPhase[];
}

/** One replica planning the whole fleet until the rollout settles. */
function alone(pol: RolloutPolicy, start: Member[], previous: Record<string, PolicyStatus>): Outcome {
  let members = start;
  let now = T0;
  for (let step = 0; step < 150; step++) {
    const result = planRollout({ policies: [pol], releases, agents: members.map((m) => m.agent), previous, now });
    previous = result.statuses as Record<string, PolicyStatus>;
    if (TERMINAL.has(previous[PKG]!.phase)) break;
    now += 5 * MIN;
    members = react(members, offeredHashes([result]), now);
  }
  return { phase: previous[PKG]!.phase, rings: previous[PKG]!.rings.map((r) => r.phase) };
}

type Check = (before: readonly Member[], leader: PlanResult, followers: readonly PlanResult[]) => void;

/** The fleet split across replicas: replica 0 leads, the others follow; shares from last step's publications. */
function split(replicas: number, pol: RolloutPolicy, start: Member[], previous: Record<string, PolicyStatus>, check: Check): Outcome {
  const names = Array.from({ length: replicas }, (_, i) => `replica-${i}`);
  let members = start;
  let now = T0;
  let published: Record<string, ReplicaPublication> = {};
  let status = previous;
  for (let step = 0; step < 150; step++) {
    const own = (i: number): AgentObservation[] => members.filter((m) => m.replica === i).map((m) => m.agent);
    const followers = names.slice(1).map((name, k) => {
      const input = { policies: [pol], releases, agents: own(k + 1), previous: {}, now, replica: { follow: status, budgets: replicaView([pol], published, name).budgets } };
      const result = planRollout(input);
      // (b) deterministic, and the statuses are the leader's, unchanged; no events.
      expect(planRollout(input)).toEqual(result);
      expect(result.statuses).toEqual(status);
      expect(result.events).toEqual([]);
      return result;
    });
    const fresh = Object.fromEntries(followers.map((r, k) => [names[k + 1]!, r.replica!]));
    const remoteCounts = replicaView([pol], fresh, names[0]!).remoteCounts;
    const leader = planRollout({ policies: [pol], releases, agents: own(0), previous: status, now, replica: { remoteCounts, budgets: replicaView([pol], published, names[0]!).budgets } });
    check(members, leader, followers);
    status = leader.statuses as Record<string, PolicyStatus>;
    published = { ...fresh, [names[0]!]: leader.replica! };
    if (TERMINAL.has(status[PKG]!.phase)) break;
    now += 5 * MIN;
    members = react(members, offeredHashes([leader, ...followers]), now);
  }
  return { phase: status[PKG]!.phase, rings: status[PKG]!.rings.map((r) => r.phase) };
}

/** Ring index per uid, from any replica's membership. */
function ringIndex(pol: RolloutPolicy, results: readonly PlanResult[]): Map<string, number> {
  const index = new Map<string, number>();
  for (const result of results) {
    for (const [uid, placement] of Object.entries(result.membership[0]!.agents)) index.set(uid, pol.spec.rings.findIndex((r) => r.name === placement.ring));
  }
  return index;
}

const RUNS = { numRuns: 120 };

describe('a fleet split across replicas', () => {
  it('never offers ring k+1 before ring k succeeded fleet-wide (and approved), nor above maxConcurrent in flight', () => {
    fc.assert(
      fc.property(scenarioArb, ([replicas, pol, start, stable]) => {
        const strategy = resolveStrategy(pol.spec.strategy);
        split(replicas, pol, start, stable ? completed(r14, [{ name: 'x' }]) : {}, (before, leader, followers) => {
          const results = [leader, ...followers];
          const rings = ringIndex(pol, results);
          const offers = offeredHashes(results);
          const byRing = pol.spec.rings.map((_, j) => before.filter((m) => rings.get(m.agent.uid) === j));
          for (const m of before) {
            const j = rings.get(m.agent.uid)!;
            if (j < 0 || touched(m.agent) || offers.get(m.agent.uid) !== targetOf(m.agent)) continue;
            // A fresh target offer in ring j: every earlier ring finished within maxFailures, approvals given.
            for (let k = 0; k < j; k++) {
              expect(byRing[k]!.every((other) => finished(other.agent))).toBe(true);
              const allowed = resolveCountOrPercent(resolveRingGates(pol.spec.rings[k]!).maxFailures, byRing[k]!.length, 'down');
              expect(byRing[k]!.filter((other) => other.agent.packages[PKG]?.state === 'InstallFailed').length).toBeLessThanOrEqual(allowed);
            }
            for (let k = 0; k <= j; k++) if (pol.spec.rings[k]!.requireApproval) expect(pol.spec.approvals).toContain(`ring${k}`);
          }
          byRing.forEach((members, j) => {
            const limit = Math.max(1, resolveCountOrPercent(strategy.maxConcurrent, members.length, 'up'));
            const inFlight = members.filter((m) => !finished(m.agent) && offers.get(m.agent.uid) === targetOf(m.agent)).length;
            const fresh = members.some((m) => !touched(m.agent) && offers.get(m.agent.uid) === targetOf(m.agent));
            if (fresh) expect(inFlight, `ring${j}`).toBeLessThanOrEqual(limit);
          });
        });
      }),
      RUNS,
    );
  });

  it('ends in the same phase, ring by ring, as one replica planning the whole fleet', () => {
    fc.assert(
      fc.property(scenarioArb, ([replicas, pol, start, stable]) => {
        const previous = stable ? completed(r14, [{ name: 'x' }]) : {};
        expect(split(replicas, pol, start, previous, () => undefined)).toEqual(alone(pol, start, previous));
      }),
      RUNS,
    );
  });
});

describe('a follower', () => {
  const phases: RingPhase[] = ['Pending', 'WaitingApproval', 'Progressing', 'Paused', 'Baking', 'Succeeded', 'Failed', 'RolledBack', 'Aborted'];

  it('is deterministic, returns the followed statuses unchanged, and offers the target only where every earlier ring succeeded', () => {
    const statusArb = fc.tuple(fc.array(fc.constantFrom(...phases), { minLength: 3, maxLength: 3 }), fc.constantFrom<PolicyStatus['phase']>('Progressing', 'Paused', 'Aborted', 'RolledBack', 'Failed', 'Succeeded'));
    fc.assert(
      fc.property(policyArb, fleetArb(1), statusArb, fc.integer({ min: 0, max: 5 }), (pol, members, [ringPhases, phase], share) => {
        const follow: Record<string, PolicyStatus> = {
          [PKG]: { specHash: 'x', conditions: [], phase, release: r15.metadata.name, stableRelease: r14.metadata.name, rings: pol.spec.rings.map((r, i) => ({ name: r.name, phase: ringPhases[i]!, counts: { targeted: 0, offered: 0, downloading: 0, installing: 0, installed: 0, healthy: 0, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0 } })) },
        };
        const budgets = { [PKG]: Object.fromEntries(pol.spec.rings.map((r) => [r.name, share])) };
        const input = { policies: [pol], releases, agents: members.map((m) => m.agent), previous: {}, now: T0, replica: { follow, budgets } };
        const result = planRollout(input);
        expect(planRollout(input)).toEqual(result);
        expect(result.statuses).toEqual(follow);
        expect(result.events).toEqual([]);
        const rings = ringIndex(pol, [result]);
        const offers = offeredHashes([result]);
        const fresh = members.filter((m) => offers.get(m.agent.uid) === targetOf(m.agent));
        for (const m of fresh) {
          const j = rings.get(m.agent.uid)!;
          expect(ringPhases.slice(0, j).every((p) => p === 'Succeeded')).toBe(true);
          expect(['Progressing', 'Baking', 'Succeeded']).toContain(ringPhases[j]);
          expect(['Progressing', 'Succeeded']).toContain(phase);
        }
        pol.spec.rings.forEach((ring, j) => {
          if (ringPhases[j] === 'Succeeded') return;
          expect(fresh.filter((m) => rings.get(m.agent.uid) === j).length).toBeLessThanOrEqual(share);
        });
      }),
      { numRuns: 300 },
    );
  });
});
