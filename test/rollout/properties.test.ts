/**
 * Property tests on random fleets and random event sequences (issue 3 "Proof"): each
 * sequence plans, lets agents react to their offers at random (deliver, download,
 * install, fail, turn unhealthy), advances time, and plans again with the status fed
 * back — checking the invariants after every step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveCountOrPercent } from '../../src/manifests/duration.ts';
import type { PolicyStatus, Ring, RolloutPolicy } from '../../src/manifests/types.ts';
import { planRollout } from '../../src/rollout/plan.ts';
import { resolveRingGates, resolveStrategy } from '../../src/rollout/strategy.ts';
import type { AgentObservation, PlanInput, PlanResult } from '../../src/rollout/types.ts';
import { agent, completed, hashOf, MIN, PKG, policy, release, T0 } from './fixtures.ts';
import semver from 'semver';

const r14 = release('1.4.0');
const r15 = release('1.5.0');
const r16 = release('1.6.0');
const releases = [r14, r15, r16];
const byHash = new Map(releases.flatMap((rel) => ['amd64', 'arm64'].map((arch) => [hashOf(rel, arch), rel] as const)));
const IN_FLIGHT = new Set(['offered', 'downloading', 'installing', 'installed']);

const ringArb: fc.Arbitrary<Ring> = fc
  .record({
    selector: fc.constantFrom<Ring['selector'] | null>(null, { matchLabels: { tier: 'a' } }, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }),
    percent: fc.constantFrom<number | null>(null, 30, 50, 100),
    maxFailures: fc.constantFrom<number | string>(0, 1, '20%'),
    bake: fc.constantFrom('0s', '10m'),
    requireApproval: fc.boolean(),
  })
  .map(({ selector, percent, ...rest }) => {
    const ring: Ring = { name: '', ...rest };
    if (selector) ring.selector = selector;
    if (percent !== null) ring.percent = percent;
    return ring;
  });

const policyArb: fc.Arbitrary<RolloutPolicy> = fc
  .record({
    rings: fc.array(ringArb, { minLength: 1, maxLength: 3 }),
    maxConcurrent: fc.constantFrom(1, 2, 3, '50%'),
    onFailure: fc.constantFrom('pause' as const, 'rollback' as const),
    healthyFor: fc.constantFrom('0s', '5m'),
    approvals: fc.subarray(['ring0', 'ring1', 'ring2']),
    paused: fc.boolean(),
  })
  .map((p) =>
    policy(r15.metadata.name, p.rings.map((ring, i) => ({ ...ring, name: `ring${i}` })), {
      approvals: p.approvals,
      paused: p.paused,
      strategy: { maxConcurrent: p.maxConcurrent, onFailure: p.onFailure, healthyFor: p.healthyFor, installTimeout: '15m' },
    }),
  );

const agentArb = (index: number): fc.Arbitrary<AgentObservation> =>
  fc
    .record({
      tier: fc.constantFrom(undefined, 'a', 'b', 'c'),
      arch: fc.constantFrom('amd64', 'amd64', 'arm64', 'riscv64'),
      accepts: fc.constantFrom(true, true, true, false),
      online: fc.constantFrom(true, true, true, false),
      has: fc.constantFrom(undefined, r14, r14, r16),
      suffix: fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16).padStart(4, '0')),
    })
    .map((a) => {
      const base = agent(`agent-${String(index).padStart(3, '0')}-${a.suffix}`, a.tier === undefined ? {} : { tier: a.tier }, {
        acceptsPackages: a.accepts,
        online: a.online,
        platform: { os: 'linux', arch: a.arch },
      });
      if (a.has === undefined || a.arch === 'riscv64') return base;
      const hash = hashOf(a.has, a.arch);
      return { ...base, packages: { [PKG]: { name: PKG, hasVersion: a.has.spec.version, hasHash: hash, state: 'Installed' as const, since: T0 - 60 * MIN } } };
    });

const fleetArb = fc.integer({ min: 0, max: 24 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => agentArb(i))));

/** How each agent reacts to its offer in one step (indexes into a random stream). */
const reactionsArb = fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 24, maxLength: 24 }), { minLength: 1, maxLength: 6 });

function react(agents: AgentObservation[], result: PlanResult, rolls: readonly number[], now: number): AgentObservation[] {
  const offers = new Map(result.offers.map((o) => [o.uid, o]));
  return agents.map((a, i) => {
    const wanted = offers.get(a.uid)?.packages[PKG];
    const roll = rolls[i % rolls.length]!;
    const failedAlready = a.packages[PKG]?.offeredHash === wanted?.hash && a.packages[PKG]?.state === 'InstallFailed';
    if (wanted?.file === undefined || a.packages[PKG]?.hasHash === wanted.hash || !a.online || failedAlready) return a;
    const rel = byHash.get(wanted.hash)!;
    const current = a.packages[PKG];
    const has = current?.hasHash === undefined ? {} : { hasHash: current.hasHash, hasVersion: current.hasVersion! };
    const delivered = { [PKG]: { hash: wanted.hash, at: a.delivered?.[PKG]?.hash === wanted.hash ? a.delivered[PKG].at : now } };
    if (roll < 3) return { ...a, delivered };
    if (roll < 5) return { ...a, delivered, packages: { [PKG]: { name: PKG, ...has, offeredHash: wanted.hash, state: 'Downloading', since: now } } };
    if (roll < 6) return { ...a, delivered, packages: { [PKG]: { name: PKG, ...has, offeredHash: wanted.hash, state: 'InstallFailed', error: 'boom', since: now } } };
    const health = { healthy: roll !== 6, since: now };
    return { ...a, delivered, health, packages: { [PKG]: { name: PKG, hasHash: wanted.hash, hasVersion: rel.spec.version, offeredHash: wanted.hash, state: 'Installed', since: now } } };
  });
}

/** Runs a sequence, calling `check(before, input, result)` after every plan. */
function simulate(pol: RolloutPolicy, fleet: AgentObservation[], steps: readonly (readonly number[])[], withStable: boolean, check: (agents: AgentObservation[], input: PlanInput, result: PlanResult) => void): void {
  let previous: Record<string, PolicyStatus> = withStable ? completed(r14, [{ name: 'x' }]) : {};
  let agents = fleet;
  let now = T0;
  for (const rolls of steps) {
    const input: PlanInput = { policies: [pol], releases, agents, previous, now };
    const result = planRollout(input);
    check(agents, input, result);
    previous = result.statuses as Record<string, PolicyStatus>;
    now += (rolls[0]! + 1) * 3 * MIN;
    agents = react(agents, result, rolls, now);
  }
}

/** The agent reported or was delivered anything about the target before this plan. */
const touchedTarget = (a: AgentObservation): boolean => {
  const target = targetHash(a);
  return a.packages[PKG]?.offeredHash === target || a.packages[PKG]?.hasHash === target || a.delivered?.[PKG]?.hash === target;
};

const targetHash = (a: AgentObservation): string | undefined => (a.platform && a.platform.arch !== 'riscv64' ? hashOf(r15, a.platform.arch) : undefined);
const sequence = fc.tuple(policyArb, fleetArb, reactionsArb, fc.boolean());
const RUNS = { numRuns: 150 };

describe('planner invariants over random fleets and event sequences', () => {
  it('never offers the target in a ring while an earlier ring is not Succeeded, or before its approval', () => {
    fc.assert(
      fc.property(sequence, ([pol, fleet, steps, stable]) => {
        simulate(pol, fleet, steps, stable, (before, _input, result) => {
          const status = result.statuses[PKG]!;
          const placements = result.membership[0]!.agents;
          for (const offer of result.offers) {
            const ring = placements[offer.uid]!.ring;
            if (ring === null || offer.packages[PKG]?.file === undefined || offer.packages[PKG].hash !== targetHash(before.find((a) => a.uid === offer.uid)!)) continue;
            const index = status.rings.findIndex((r) => r.name === ring);
            expect(status.rings.slice(0, index).every((r) => r.phase === 'Succeeded')).toBe(true);
            if (pol.spec.rings[index]!.requireApproval) expect(pol.spec.approvals).toContain(ring);
          }
        });
      }),
      RUNS,
    );
  });

  it('never offers a new agent the target when that would put more than maxConcurrent in flight', () => {
    fc.assert(
      fc.property(sequence, ([pol, fleet, steps, stable]) => {
        const strategy = resolveStrategy(pol.spec.strategy);
        simulate(pol, fleet, steps, stable, (before, _input, result) => {
          const placements = result.membership[0]!.agents;
          for (const ring of result.statuses[PKG]!.rings) {
            if (ring.phase === 'Succeeded') continue; // late joiners of finished rings are not paced
            const limit = Math.max(1, resolveCountOrPercent(strategy.maxConcurrent, ring.counts.targeted - ring.counts.incompatible, 'up'));
            const members = before.filter((a) => placements[a.uid]?.ring === ring.name);
            const inFlight = members.filter((a) => IN_FLIGHT.has(placements[a.uid]!.state)).length;
            const fresh = members.filter((a) => placements[a.uid]!.state === 'offered' && !touchedTarget(a)).length;
            if (fresh > 0) expect(inFlight).toBeLessThanOrEqual(limit);
          }
        });
      }),
      RUNS,
    );
  });

  it('crossing maxFailures always halts or rolls back, and then no pending agent gets the target', () => {
    fc.assert(
      fc.property(sequence, ([pol, fleet, steps, stable]) => {
        simulate(pol, fleet, steps, stable, (before, input, result) => {
          const status = result.statuses[PKG]!;
          status.rings.forEach((ring, i) => {
            const allowed = resolveCountOrPercent(resolveRingGates(pol.spec.rings[i]!).maxFailures, ring.counts.targeted, 'down');
            const previousPhase = input.previous[PKG]?.rings[i]?.phase;
            if (ring.counts.failed + ring.counts.timedOut > allowed && previousPhase !== 'Succeeded' && ring.phase !== 'Pending') {
              expect(['Failed', 'RolledBack', 'Aborted', 'Succeeded']).toContain(ring.phase);
            }
          });
          if (!status.rings.some((r) => r.phase === 'Failed' || r.phase === 'RolledBack')) return;
          expect(['Failed', 'RolledBack']).toContain(status.phase);
          const rolledBack = status.phase === 'RolledBack';
          for (const offer of result.offers) {
            const agentBefore = before.find((a) => a.uid === offer.uid)!;
            const hadTarget = touchedTarget(agentBefore);
            const getsTarget = offer.packages[PKG]?.hash === targetHash(agentBefore) && offer.packages[PKG]?.file !== undefined;
            if (!hadTarget) expect(getsTarget).toBe(false);
            if (rolledBack) expect(getsTarget).toBe(false);
          }
        });
      }),
      RUNS,
    );
  });

  it('plans identically twice, and replanning its own status at the same time is a fixpoint', () => {
    fc.assert(
      fc.property(sequence, ([pol, fleet, steps, stable]) => {
        simulate(pol, fleet, steps, stable, (_before, input, result) => {
          expect(planRollout(input)).toEqual(result);
          const again = planRollout({ ...input, previous: result.statuses as Record<string, PolicyStatus> });
          expect(again.statuses).toEqual(result.statuses);
          expect(again.offers).toEqual(result.offers);
          expect(again.events).toEqual([]);
        });
      }),
      RUNS,
    );
  });

  it('does not depend on the order the fleet view lists agents in', () => {
    fc.assert(
      fc.property(policyArb, fleetArb, fc.boolean(), (pol, fleet, stable) => {
        const previous = stable ? completed(r14, [{ name: 'x' }]) : {};
        const forward = planRollout({ policies: [pol], releases, agents: fleet, previous, now: T0 });
        const backward = planRollout({ policies: [pol], releases, agents: [...fleet].reverse(), previous, now: T0 });
        expect(backward).toEqual(forward);
      }),
      RUNS,
    );
  });

  it("an agent's ring never changes when other agents join or leave", () => {
    fc.assert(
      fc.property(policyArb, fleetArb, fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }), (pol, fleet, keep) => {
        const subset = fleet.filter((_, i) => keep[i]);
        const whole = planRollout({ policies: [pol], releases, agents: fleet, previous: {}, now: T0 }).membership[0]!.agents;
        const part = planRollout({ policies: [pol], releases, agents: subset, previous: {}, now: T0 }).membership[0]!.agents;
        for (const a of subset) expect(part[a.uid]!.ring).toBe(whole[a.uid]!.ring);
      }),
      RUNS,
    );
  });

  it('never downgrades implicitly: an agent not being rolled back is never offered less than it has, outside open rings', () => {
    fc.assert(
      fc.property(sequence, ([pol, fleet, steps, stable]) => {
        simulate(pol, fleet, steps, stable, (before, _input, result) => {
          const placements = result.membership[0]!.agents;
          for (const offer of result.offers) {
            const entry = offer.packages[PKG];
            const has = before.find((a) => a.uid === offer.uid)!.packages[PKG]?.hasVersion;
            if (entry === undefined || has === undefined || entry.release === r15.metadata.name || placements[offer.uid]!.state === 'rolledBack') continue;
            expect(semver.gte(entry.version, has)).toBe(true);
          }
        });
      }),
      RUNS,
    );
  });
});
