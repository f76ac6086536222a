/**
 * One row of a policy's ring table: who the planner put in the ring, what they run on,
 * and the gates that hold the ring. Pure. Membership is read from the planner's result,
 * never recomputed here (one code path with the controller).
 */
import { parseCountOrPercent, resolveCountOrPercent } from '../manifests/duration.ts';
import type { RolloutPolicy, Ring } from '../manifests/types.ts';
import { offerFor, type ReleaseOffers } from '../rollout/release-offers.ts';
import type { AgentObservation, AgentOffer, PolicyMembership } from '../rollout/types.ts';
import type { PlatformCount, RingGates, RingPlan } from './types.ts';

/** How many example hosts a ring or the unassigned list shows. */
export const DEFAULT_EXAMPLE_HOSTS = 5;

/** What the ring table is computed from. */
export interface RingContext {
  policy: RolloutPolicy;
  membership: PolicyMembership;
  agents: ReadonlyMap<string, AgentObservation>;
  /** Offers of the planned reconcile, by uid. */
  offers: ReadonlyMap<string, AgentOffer>;
  /** Package, release name and per-platform offers of the target, when head's release exists. */
  target?: { package: string; release: string; offers: ReleaseOffers };
  /** Planned ring phases by ring name. */
  phases: ReadonlyMap<string, string>;
  exampleHosts: number;
}

/** The ring table of one policy, in ring order. */
export function planRings(ctx: RingContext): RingPlan[] {
  const members = new Map<string, string[]>();
  for (const [uid, placement] of Object.entries(ctx.membership.agents)) {
    if (placement.ring === null) continue;
    const list = members.get(placement.ring) ?? [];
    list.push(uid);
    members.set(placement.ring, list);
  }
  return ctx.policy.spec.rings.map((ring) => planRing(ctx, ring, (members.get(ring.name) ?? []).sort()));
}

function planRing(ctx: RingContext, ring: Ring, uids: string[]): RingPlan {
  const agents = uids.map((uid) => ctx.agents.get(uid)).filter((a): a is AgentObservation => a !== undefined);
  return {
    name: ring.name,
    agents: uids.length,
    uids,
    offline: agents.filter((a) => !a.online).length,
    incompatible: uids.filter((uid) => ctx.membership.agents[uid]?.state === 'incompatible').length,
    platforms: countPlatforms(agents),
    exampleHosts: exampleHosts(agents, ctx.exampleHosts),
    onTarget: uids.filter((uid) => runsTarget(ctx, uid)).length,
    offeredNow: uids.filter((uid) => offersTarget(ctx, uid) && !runsTarget(ctx, uid)).length,
    gates: ringGates(ctx.policy, ring, uids.length),
    phase: ctx.phases.get(ring.name) ?? 'Pending',
  };
}

function offersTarget(ctx: RingContext, uid: string): boolean {
  if (!ctx.target) return false;
  return ctx.offers.get(uid)?.packages[ctx.target.package]?.release === ctx.target.release;
}

// Already installed: the agent reports the very package hash the planner would offer it
// for its platform (the planner's own offer builder, so "installed" means what it means
// to the gates).
function runsTarget(ctx: RingContext, uid: string): boolean {
  if (!ctx.target) return false;
  const agent = ctx.agents.get(uid);
  const wanted = offerFor(ctx.target.offers, agent?.platform);
  const reported = agent?.packages[ctx.target.package];
  return wanted !== undefined && reported?.state === 'Installed' && reported.hasHash === wanted.hash;
}

/** `os/arch` of an agent, `unknown` when it did not report one. */
export function platformOf(agent: AgentObservation | undefined): string {
  return agent?.platform ? `${agent.platform.os}/${agent.platform.arch}` : 'unknown';
}

/** Agents per platform, most common first, then by name. */
export function countPlatforms(agents: readonly AgentObservation[]): PlatformCount[] {
  const counts = new Map<string, number>();
  for (const agent of agents) counts.set(platformOf(agent), (counts.get(platformOf(agent)) ?? 0) + 1);
  return [...counts]
    .map(([platform, n]) => ({ platform, agents: n }))
    .sort((x, y) => y.agents - x.agents || (x.platform < y.platform ? -1 : x.platform > y.platform ? 1 : 0));
}

/** The first `limit` host names (uid when an agent has no `host.name`), sorted. */
export function exampleHosts(agents: readonly AgentObservation[], limit: number): string[] {
  return agents
    .map((a) => a.attributes['host.name'] ?? a.uid)
    .sort()
    .slice(0, limit);
}

function ringGates(policy: RolloutPolicy, ring: Ring, size: number): RingGates {
  const maxFailures = String(ring.maxFailures ?? 0);
  const maxConcurrent = String(policy.spec.strategy?.maxConcurrent ?? '25%');
  return {
    bake: ring.bake ?? '0s',
    requireApproval: ring.requireApproval === true,
    approved: (policy.spec.approvals ?? []).includes(ring.name),
    maxFailures,
    maxFailuresAgents: resolve(maxFailures, size, 'down'),
    maxConcurrent,
    maxConcurrentAgents: Math.max(1, resolve(maxConcurrent, size, 'up')),
  };
}

function resolve(value: string, total: number, rounding: 'up' | 'down'): number {
  const parsed = parseCountOrPercent(value);
  return parsed ? resolveCountOrPercent(parsed, total, rounding) : 0;
}
