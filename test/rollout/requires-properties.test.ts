/**
 * Property tests for `requires` (docs/rollout.md "requires"): a collector policy and an
 * addon policy whose release requires the collector `>=1.5.0`, over random fleets and
 * random reactions of every agent to both packages (deliver, download, fail, install,
 * turn unhealthy), with the collector rolling back on failure at random.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicyStatus, Ring, RolloutPolicy } from '../../src/manifests/types.ts';
import { planRollout } from '../../src/rollout/plan.ts';
import type { AgentObservation, AgentPackageObservation, OfferedPackage, PlanResult } from '../../src/rollout/types.ts';
import { agent, completed, hashOf, MIN, PKG, policy, release, T0 } from './fixtures.ts';
import semver from 'semver';

const ADDON = 'my-addon';
const RANGE = '>=1.5.0';
const r14 = release('1.4.0');
const r15 = release('1.5.0');
const addon = release('0.2.0', { requires: [{ package: PKG, range: RANGE }] }, ADDON);
const releases = [r14, r15, addon];
const byHash = new Map(releases.flatMap((rel) => ['amd64', 'arm64'].map((arch) => [hashOf(rel, arch), rel] as const)));
const CORE_TIMEOUT_MS = 15 * MIN;

const ringsArb: fc.Arbitrary<Ring[]> = fc
  .array(fc.record({ percent: fc.constantFrom(30, 50, 100), maxFailures: fc.constantFrom(0, 1, '50%'), bake: fc.constantFrom('0s', '10m') }), { minLength: 1, maxLength: 3 })
  .map((rings) => rings.map((ring, i) => ({ name: `ring${i}`, ...ring })));

const policiesArb: fc.Arbitrary<RolloutPolicy[]> = fc
  .tuple(ringsArb, ringsArb, fc.constantFrom('pause' as const, 'rollback' as const), fc.constantFrom(1, 2, '50%'))
  .map(([coreRings, addonRings, onFailure, maxConcurrent]) => [
    policy(r15.metadata.name, coreRings, { strategy: { maxConcurrent, onFailure, healthyFor: '0s', installTimeout: '15m' } }, 'core'),
    policy(addon.metadata.name, addonRings, { strategy: { maxConcurrent, healthyFor: '0s', installTimeout: '15m' } }, 'addon'),
  ]);

const fleetArb: fc.Arbitrary<AgentObservation[]> = fc
  .array(fc.record({ arch: fc.constantFrom('amd64', 'arm64'), has: fc.constantFrom(undefined, r14, r14, r15), online: fc.constantFrom(true, true, true, false) }), { maxLength: 16 })
  .map((specs) =>
    specs.map((s, i) => {
      const base = agent(`agent-${String(i).padStart(3, '0')}`, {}, { platform: { os: 'linux', arch: s.arch }, online: s.online });
      if (s.has === undefined) return base;
      const hash = hashOf(s.has, s.arch);
      return { ...base, packages: { [PKG]: { name: PKG, hasVersion: s.has.spec.version, hasHash: hash, state: 'Installed' as const, since: T0 - 60 * MIN } } };
    }),
  );

const reactionsArb = fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 8 });

/** One agent's reaction to the offer of one package. */
function reactTo(a: AgentObservation, name: string, wanted: OfferedPackage | undefined, roll: number, now: number): AgentObservation {
  const current = a.packages[name];
  const failedAlready = current?.offeredHash === wanted?.hash && current?.state === 'InstallFailed';
  if (wanted?.file === undefined || current?.hasHash === wanted.hash || !a.online || failedAlready) return a;
  const rel = byHash.get(wanted.hash)!;
  const has = current?.hasHash === undefined ? {} : { hasHash: current.hasHash, hasVersion: current.hasVersion! };
  const delivered = { ...a.delivered, [name]: { hash: wanted.hash, at: a.delivered?.[name]?.hash === wanted.hash ? a.delivered[name].at : now } };
  const set = (status: AgentPackageObservation): AgentObservation => ({ ...a, delivered, packages: { ...a.packages, [name]: status } });
  if (roll < 3) return { ...a, delivered };
  if (roll < 5) return set({ name, ...has, offeredHash: wanted.hash, state: 'Downloading', since: now });
  if (roll < 6) return set({ name, ...has, offeredHash: wanted.hash, state: 'InstallFailed', error: 'boom', since: now });
  return { ...set({ name, hasHash: wanted.hash, hasVersion: rel.spec.version, offeredHash: wanted.hash, state: 'Installed', since: now }), health: { healthy: roll !== 6, since: now } };
}

function react(agents: AgentObservation[], result: PlanResult, rolls: readonly number[], now: number): AgentObservation[] {
  const offers = new Map(result.offers.map((o) => [o.uid, o.packages]));
  return agents.map((a, i) => {
    const packages = offers.get(a.uid);
    const afterCore = reactTo(a, PKG, packages?.[PKG], rolls[(2 * i) % rolls.length]!, now);
    return reactTo(afterCore, ADDON, packages?.[ADDON], rolls[(2 * i + 1) % rolls.length]!, now);
  });
}

function simulate(policies: RolloutPolicy[], fleet: AgentObservation[], steps: readonly (readonly number[])[], check: (agents: AgentObservation[], result: PlanResult, now: number) => void): void {
  let previous: Record<string, PolicyStatus> = completed(r14, [{ name: 'x' }], 'core');
  let agents = fleet;
  let now = T0;
  for (const rolls of steps) {
    const result = planRollout({ policies, releases, agents, previous, now });
    check(agents, result, now);
    previous = result.statuses as Record<string, PolicyStatus>;
    now += (rolls[0]! + 1) * 3 * MIN;
    agents = react(agents, result, rolls, now);
  }
}

const satisfies = (version: string | undefined): boolean => version !== undefined && semver.satisfies(version, RANGE);

/** The same-set collector offer satisfies the range and has neither failed nor timed out for the agent. */
function inProgressSatisfying(a: AgentObservation, offered: OfferedPackage | undefined, now: number): boolean {
  if (offered === undefined || !satisfies(offered.version)) return false;
  const status = a.packages[PKG];
  if (status?.offeredHash === offered.hash && status.state === 'InstallFailed') return false;
  const delivered = a.delivered?.[PKG];
  return !(delivered?.hash === offered.hash && now > delivered.at + CORE_TIMEOUT_MS);
}

const RUNS = { numRuns: 150 };

describe('requires invariants over random fleets and event sequences', () => {
  it('no agent is offered the addon while its requires is unmet by what it reports installed (or an in-progress, not failed offer in the same set); new offers need it Installed', () => {
    fc.assert(
      fc.property(policiesArb, fleetArb, reactionsArb, (policies, fleet, steps) => {
        simulate(policies, fleet, steps, (before, result, now) => {
          for (const offer of result.offers) {
            const entry = offer.packages[ADDON];
            if (entry?.file === undefined) continue;
            const a = before.find((b) => b.uid === offer.uid)!;
            const core = a.packages[PKG];
            expect(satisfies(core?.hasVersion) || inProgressSatisfying(a, offer.packages[PKG], now)).toBe(true);
            const touched = a.packages[ADDON]?.offeredHash === entry.hash || a.delivered?.[ADDON]?.hash === entry.hash;
            if (!touched) expect(core?.state === 'Installed' && satisfies(core.hasVersion)).toBe(true);
          }
        });
      }),
      RUNS,
    );
  });

  it('an agent with the addon installed whose requirement is broken is never healthy: waiting, with the reason, counted', () => {
    fc.assert(
      fc.property(policiesArb, fleetArb, reactionsArb, (policies, fleet, steps) => {
        simulate(policies, fleet, steps, (before, result, now) => {
          const membership = result.membership.find((m) => m.policy === 'addon')!.agents;
          const offers = new Map(result.offers.map((o) => [o.uid, o.packages]));
          for (const a of before) {
            const placed = membership[a.uid];
            if (placed === undefined || !a.online || a.packages[ADDON]?.hasHash !== hashOf(addon, a.platform!.arch)) continue;
            const broken = !satisfies(a.packages[PKG]?.hasVersion) && !inProgressSatisfying(a, offers.get(a.uid)?.[PKG], now);
            if (broken) expect(placed).toMatchObject({ state: 'waiting', reason: expect.stringMatching(/^requirement not met: /) });
            // Never deleted: the agent keeps the addon it has.
            expect(offers.get(a.uid)?.[ADDON]?.hash).toBe(a.packages[ADDON]!.hasHash);
          }
          for (const ring of result.statuses['addon']!.rings) {
            const waiting = Object.values(membership).filter((p) => p.ring === ring.name && p.state === 'waiting').length;
            expect(ring.counts.waiting).toBe(waiting);
          }
        });
      }),
      RUNS,
    );
  });
});
