/**
 * Follower mode (DESIGN.md "Scaling past one machine"): a replica that is not the leader
 * computes the offers for its own agents from the leader's published status — which
 * release is the target, which rings are open, closed, rolled back or aborted, the stable
 * release — and decides nothing itself: no phase moves, no events, no status of its own.
 */
import type { PolicyStatus, RingCounts, RingPhase, RingStatus, RolloutPolicy } from '../manifests/types.ts';
import { tallyFleet, type PolicyFleet } from './fleet-tally.ts';
import { placeAgents } from './placement.ts';
import { failuresOf, offerMode, type PolicyPlanContext } from './policy-plan.ts';
import { shareBudget } from './replica-merge.ts';
import { memoizedIsNewer } from './requires.ts';
import { resolveStrategy } from './strategy.ts';
import type { PolicyMembership, RolloutEvent } from './types.ts';
import { isWindowOpen, nextWindowChange } from './windows.ts';

/** What a follower's plan of one policy yields: no status, no events. */
export interface FollowPlan {
  /** The followed status itself, unchanged (undefined when the leader has written none). */
  status: PolicyStatus | undefined;
  /** Always empty: the leader tells every transition. */
  events: RolloutEvent[];
  membership: PolicyMembership;
  /** This replica's agents' counts by ring name, new offers included; undefined without a target release. */
  ownCounts: Record<string, RingCounts> | undefined;
  wakeAt: number | undefined;
}

/**
 * Places this replica's agents as `followed` (the leader's status of `policy`) decided.
 * A status for another release than `spec.release` (the leader has not planned this spec
 * yet), or none at all, decides nothing: every ring counts as `Pending`, so agents keep
 * what they have or get the stable release it names. New target offers in an open ring
 * stay within `ctx.shares` (none without a share); local `paused` and maintenance windows
 * only ever hold offers back.
 */
export function followPolicy(policy: RolloutPolicy, ctx: PolicyPlanContext, followed: PolicyStatus | undefined): FollowPlan {
  const { spec } = policy;
  const target = ctx.releaseOffers(spec.release);
  const stable = followed?.stableRelease === undefined ? undefined : ctx.releaseOffers(followed.stableRelease);
  const membership: PolicyMembership = { policy: policy.metadata.name, agents: {} };
  if (target === undefined) return { status: followed, events: [], membership, ownCounts: undefined, wakeAt: undefined };
  const strategy = resolveStrategy(spec.strategy);
  const clock = { now: ctx.now, installTimeoutMs: strategy.installTimeoutMs, healthyForMs: strategy.healthyForMs, wakeAt: Infinity };
  const { package: packageName, type: packageType, requires } = target.release.spec;
  const fleet = tallyFleet({ agents: ctx.agents, policy, packageName, target, requires, desired: ctx.desired, failures: ctx.failures, clock });
  const decided = followed?.release === spec.release ? followed : undefined;
  const rings = followedRings(policy, fleet, decided);
  const windowOpen = isWindowOpen(spec.windows, ctx.now);
  // The policy phase is the leader's decision too: it holds (or returns) even if no ring says so.
  const returning = decided?.phase === 'Aborted' || decided?.phase === 'RolledBack';
  const holding = spec.paused === true || !windowOpen || decided?.phase === 'Failed' || decided?.phase === 'Paused';
  const mode = offerMode(rings, returning, stable !== undefined, holding);
  const budgets = spec.rings.map((ring, index) => shareBudget(ctx.shares?.[ring.name] ?? 0, fleet.inFlight[index] as number));
  membership.agents = placeAgents({
    agents: ctx.agents, fleet, rings, packageName, packageType, target, stable, mode,
    budgets, installTimeoutMs: strategy.installTimeoutMs, newer: memoizedIsNewer(), desired: ctx.desired,
    failures: failuresOf(ctx.failures, packageName),
  });
  const ownCounts = Object.fromEntries(spec.rings.map((ring, index) => [ring.name, fleet.counts[index] as RingCounts]));
  const windowWake = decided?.phase === 'Progressing' || decided?.phase === 'Baking' ? nextWindowChange(spec.windows, ctx.now) : undefined;
  const wakeAt = Math.min(clock.wakeAt, windowWake ?? Infinity);
  return { status: followed, events: [], membership, ownCounts, wakeAt: Number.isFinite(wakeAt) ? wakeAt : undefined };
}

/**
 * The leader's ring phases by ring name, this replica's counts attached. A ring after one
 * that has not succeeded is `Pending` whatever the status says: the leader never opens it
 * then, and a follower must not either, even on a status it misread.
 */
function followedRings(policy: RolloutPolicy, fleet: PolicyFleet, decided: PolicyStatus | undefined): RingStatus[] {
  const phases = new Map((decided?.rings ?? []).map((ring) => [ring.name, ring.phase]));
  let gateOpen = true;
  return policy.spec.rings.map((ring, index) => {
    const phase: RingPhase = gateOpen ? (phases.get(ring.name) ?? 'Pending') : 'Pending';
    gateOpen &&= phase === 'Succeeded';
    return { name: ring.name, phase, counts: fleet.counts[index] as RingCounts };
  });
}
