/**
 * Plans one policy: tally the fleet, advance the rings, place every agent, and write the
 * status — resuming from the previous status so a restart never restarts a ring.
 */
import { resolveCountOrPercent } from '../manifests/duration.ts';
import type { PolicyStatus, RingCounts, RingStatus, RolloutPolicy } from '../manifests/types.ts';
import { policyConditions } from './conditions.ts';
import { emptyCounts, tallyFleet, type PolicyFleet } from './fleet-tally.ts';
import { rolloutHistory } from './history.ts';
import { placeAgents, type OfferMode } from './placement.ts';
import { summarizePhase } from './policy-phase.ts';
import { policyEvents } from './policy-events.ts';
import type { ReleaseOffers } from './release-offers.ts';
import { advanceRing, type RingMachineContext } from './ring-machine.ts';
import { addRemote, ownCounts, shareBudget } from './replica-merge.ts';
import { memoizedIsNewer, type InstallFailures } from './requires.ts';
import { specHash } from './spec-hash.ts';
import { resolveRingGates, resolveStrategy, type ResolvedStrategy } from './strategy.ts';
import { formatTime } from './time.ts';
import type { AgentObservation, OfferedPackage, PolicyMembership, RolloutEvent } from './types.ts';
import { isWindowOpen, nextWindowChange } from './windows.ts';

export interface PolicyPlanContext {
  /** Sorted by uid. */
  agents: readonly AgentObservation[];
  releaseOffers(name: string): ReleaseOffers | undefined;
  desired: (Record<string, OfferedPackage> | undefined)[];
  /** Install failures of offered packages, for `requires` of policies planned later. */
  failures: InstallFailures;
  previous: PolicyStatus | undefined;
  now: number;
  revision: string | undefined;
  /** Scale-out leader: the other replicas' counts of this policy, by ring name. */
  remote?: Readonly<Record<string, RingCounts>> | undefined;
  /** Scale-out: the most agents this replica may have in flight, by ring name. */
  shares?: Readonly<Record<string, number>> | undefined;
}

export interface PolicyPlan {
  status: PolicyStatus;
  events: RolloutEvent[];
  membership: PolicyMembership;
  /** Next time-based change, if any. */
  wakeAt: number | undefined;
  /** This process's own agents' counts by ring name (undefined when nothing was tallied). */
  ownCounts: Record<string, RingCounts> | undefined;
}

/** Plans `policy` against the fleet; adds its package entries to `ctx.desired`. */
export function planPolicy(policy: RolloutPolicy, ctx: PolicyPlanContext): PolicyPlan {
  const { spec } = policy;
  const previous = ctx.previous;
  const newRollout = previous === undefined || previous.release !== spec.release;
  const target = ctx.releaseOffers(spec.release);
  const stable = previous?.stableRelease === undefined ? undefined : ctx.releaseOffers(previous.stableRelease);
  if (target === undefined) return releaseMissing(policy, ctx, newRollout);
  const strategy = resolveStrategy(spec.strategy);
  const clock = { now: ctx.now, installTimeoutMs: strategy.installTimeoutMs, healthyForMs: strategy.healthyForMs, wakeAt: Infinity };
  const { package: packageName, type: packageType, requires } = target.release.spec;
  const fleet = tallyFleet({ agents: ctx.agents, policy, packageName, target, requires, desired: ctx.desired, failures: ctx.failures, clock });
  const caps = spec.rings.map((ring, index) => shareBudget(ctx.shares?.[ring.name], fleet.inFlight[index] as number));
  const remote = addRemote(fleet, spec.rings, ctx.remote);
  const completedBefore = !newRollout && previous.phase === 'Succeeded';
  const aborted = (spec.abort === true && !completedBefore) || (!newRollout && previous.phase === 'Aborted');
  const machine: RingMachineContext = {
    policy: policy.metadata.name, now: ctx.now, paused: spec.paused === true, abort: aborted, approvals: spec.approvals ?? [],
    progressDeadlineMs: strategy.progressDeadlineMs, onFailure: strategy.onFailure, canRollBack: stable !== undefined, events: [], wakeAt: Infinity,
  };
  const rings = advanceRings(policy, fleet, newRollout ? undefined : previous, machine);
  const windowOpen = isWindowOpen(spec.windows, ctx.now);
  const mode = offerMode(rings, aborted, stable !== undefined, spec.paused === true || !windowOpen);
  // A rollout completing in this plan makes the target stable now, not one plan later.
  const completes = !aborted && rings.every((ring) => ring.phase === 'Succeeded');
  const placements = placeAgents({
    agents: ctx.agents, fleet, rings, packageName, packageType, target, stable: completes ? target : stable, mode,
    budgets: budgets(fleet, strategy, caps), installTimeoutMs: strategy.installTimeoutMs, newer: memoizedIsNewer(), desired: ctx.desired,
    failures: failuresOf(ctx.failures, packageName),
  });
  const summary = summarizePhase({ rings, aborted, paused: spec.paused === true, windowOpen, release: spec.release, stableRelease: previous?.stableRelease });
  const status = assembleStatus(policy, ctx, newRollout, {
    specHash: specHash(spec, target.release.spec), phase: summary.phase, release: spec.release,
    stableRelease: summary.phase === 'Succeeded' ? spec.release : previous?.stableRelease, currentRing: summary.currentRing?.name,
    rings, unassigned: fleet.unassigned, reason: summary.phase, message: summary.message,
  });
  const events = policyEvents({ policy: policy.metadata.name, previous, next: status, newRollout, ringEvents: machine.events, now: ctx.now });
  const windowWake = summary.phase === 'Progressing' || summary.phase === 'Baking' ? nextWindowChange(spec.windows, ctx.now) : undefined;
  const wakeAt = Math.min(clock.wakeAt, machine.wakeAt, windowWake ?? Infinity);
  const membership = { policy: policy.metadata.name, agents: placements };
  return { status, events, membership, wakeAt: Number.isFinite(wakeAt) ? wakeAt : undefined, ownCounts: ownCounts(fleet, spec.rings, remote) };
}

function advanceRings(policy: RolloutPolicy, fleet: PolicyFleet, previous: PolicyStatus | undefined, machine: RingMachineContext): RingStatus[] {
  const before = new Map((previous?.rings ?? []).map((ring) => [ring.name, ring]));
  let gateOpen = true;
  return policy.spec.rings.map((ring, index) => {
    const next = advanceRing(ring, resolveRingGates(ring), before.get(ring.name), gateOpen, fleet.tallies[index]!, fleet.counts[index]!, machine);
    gateOpen &&= next.phase === 'Succeeded';
    return next;
  });
}

/** The failure map of `packageName`, created on first use. */
export function failuresOf(failures: InstallFailures, packageName: string): Map<number, string> {
  let byAgent = failures.get(packageName);
  if (byAgent === undefined) failures.set(packageName, (byAgent = new Map()));
  return byAgent;
}

/** How the policy offers, from its rings' phases and whether it holds new offers. */
export function offerMode(rings: readonly RingStatus[], aborted: boolean, hasStable: boolean, holding: boolean): OfferMode {
  const rolledBack = rings.some((ring) => ring.phase === 'RolledBack');
  if ((aborted || rolledBack) && hasStable) return 'return';
  const failed = rings.some((ring) => ring.phase === 'Failed');
  return aborted || failed || holding ? 'hold' : 'open';
}

/**
 * New offers per ring: `maxConcurrent` of the ring's compatible agents (at least one)
 * minus those in flight — fleet-wide when other replicas' counts were added — and at most
 * `caps` (what this replica's share still allows).
 */
function budgets(fleet: PolicyFleet, strategy: ResolvedStrategy, caps: readonly number[]): number[] {
  return fleet.counts.map((counts, index) => {
    const limit = Math.max(1, resolveCountOrPercent(strategy.maxConcurrent, counts.targeted - counts.incompatible, 'up'));
    return Math.min(Math.max(0, limit - fleet.inFlight[index]!), caps[index]!);
  });
}

interface StatusParts {
  specHash: string;
  phase: PolicyStatus['phase'];
  release: string;
  stableRelease: string | undefined;
  currentRing: string | undefined;
  rings: RingStatus[];
  unassigned: number | undefined;
  /** Condition reason. */
  reason: string;
  message: string;
}

/** The status in the field order of DESIGN.md; optional fields only when set (exactOptionalPropertyTypes). */
function assembleStatus(policy: RolloutPolicy, ctx: PolicyPlanContext, newRollout: boolean, parts: StatusParts): PolicyStatus {
  const generation = policy.metadata.generation;
  const status = {} as PolicyStatus;
  if (generation !== undefined) status.observedGeneration = generation;
  if (ctx.revision !== undefined) status.observedRevision = ctx.revision;
  Object.assign(status, { specHash: parts.specHash, phase: parts.phase, release: parts.release });
  if (parts.stableRelease !== undefined) status.stableRelease = parts.stableRelease;
  if (parts.currentRing !== undefined) status.currentRing = parts.currentRing;
  status.startedAt = (newRollout ? undefined : ctx.previous?.startedAt) ?? formatTime(ctx.now);
  status.rings = parts.rings;
  if (parts.unassigned !== undefined) status.unassigned = parts.unassigned;
  status.conditions = policyConditions(parts.phase, parts.reason, parts.message, ctx.previous?.conditions, ctx.now, generation);
  status.message = parts.message;
  const history = rolloutHistory(ctx.previous, newRollout, ctx.now);
  if (history !== undefined) status.history = history;
  return status;
}

/** The target release is not in the catalogue: report it, offer nothing for this policy. */
function releaseMissing(policy: RolloutPolicy, ctx: PolicyPlanContext, newRollout: boolean): PolicyPlan {
  const message = `release ${policy.spec.release} not found: add the PackageRelease or fix spec.release`;
  const rings = newRollout ? policy.spec.rings.map((ring): RingStatus => ({ name: ring.name, phase: 'Pending', counts: emptyCounts() })) : ctx.previous!.rings;
  const status = assembleStatus(policy, ctx, newRollout, {
    specHash: specHash(policy.spec, undefined), phase: 'Pending', release: policy.spec.release, stableRelease: ctx.previous?.stableRelease,
    currentRing: undefined, rings, unassigned: undefined, reason: 'ReleaseNotFound', message,
  });
  return { status, events: [], membership: { policy: policy.metadata.name, agents: {} }, wakeAt: undefined, ownCounts: undefined };
}
