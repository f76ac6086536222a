/**
 * What one replica makes of every replica's publication (DESIGN.md "Scaling past one
 * machine"): the other replicas' summed counts for the leader's gates, and this replica's
 * share of every ring's `maxConcurrent` ("batch budgets are split across replicas in
 * proportion to their agents"). Every replica computes it from the same publications, so
 * the shares agree without any coordination.
 */
import { resolveCountOrPercent } from '../manifests/duration.ts';
import type { CountOrPercent } from '../manifests/duration.ts';
import type { RingCounts, RolloutPolicy } from '../manifests/types.ts';
import { emptyCounts } from './fleet-tally.ts';
import { addCounts, gateTally, pendingCount, splitBudget } from './replica-counts.ts';
import { resolveStrategy } from './strategy.ts';
import type { PerPolicyRing } from './types.ts';

/** One replica's publication: its `PlanResult.replica` as last published. */
export interface ReplicaPublication {
  counts: Readonly<PerPolicyRing<RingCounts>>;
  /** policy → release the counts were taken against; a policy missing here is not counted. */
  releases?: Readonly<Record<string, string>> | undefined;
}

/** `PlanInput.replica` material for one replica. */
export interface ReplicaView {
  /** Leader: the others' summed counts of every policy and ring all of them counted for the current release. */
  remoteCounts: PerPolicyRing<RingCounts>;
  /** This replica's share (the most agents it may have in flight) per policy and ring. */
  budgets: PerPolicyRing<number>;
}

/**
 * The view of replica `self` from `published` — every live replica's publication keyed by
 * replica name, `self`'s own included (absent before its first publication). Only counts
 * taken against a policy's current `spec.release` are used: a replica still counting an
 * older release (or not yet this policy or ring) leaves the ring out of `remoteCounts`
 * (unknown: the leader holds it) and gets no share.
 *
 * A share is what the replica already has in flight plus its part of the ring's free
 * slots (`maxConcurrent` of the counted compatible agents, at least one, minus everything
 * counted in flight), split in proportion to each replica's pending agents by
 * `splitBudget`. The shares add up to at most `maxConcurrent` (or to what is already in
 * flight, when more is), and a replica replanning before its next publication cannot
 * spend its share twice: the planner subtracts its live in-flight agents from it.
 */
export function replicaView(policies: readonly RolloutPolicy[], published: Readonly<Record<string, ReplicaPublication>>, self: string): ReplicaView {
  const view: ReplicaView = { remoteCounts: {}, budgets: {} };
  const replicas = Object.keys(published).sort();
  for (const policy of policies) {
    const name = policy.metadata.name;
    const { maxConcurrent } = resolveStrategy(policy.spec.strategy);
    const remote: Record<string, RingCounts> = (view.remoteCounts[name] = {});
    const budgets: Record<string, number> = (view.budgets[name] = {});
    for (const ring of policy.spec.rings) {
      const counted = new Map<string, RingCounts>();
      for (const replica of replicas) {
        const one = published[replica] as ReplicaPublication;
        const counts = one.releases?.[name] === policy.spec.release ? one.counts[name]?.[ring.name] : undefined;
        if (counts !== undefined) counted.set(replica, counts);
      }
      const others = replicas.filter((replica) => replica !== self);
      if (others.every((replica) => counted.has(replica))) remote[ring.name] = others.reduce((sum, replica) => addCounts(sum, counted.get(replica)), emptyCounts());
      budgets[ring.name] = shareOf(self, counted, maxConcurrent);
    }
  }
  return view;
}

/** `self`'s share of one ring among the replicas that counted it (0 when it did not). */
function shareOf(self: string, counted: ReadonlyMap<string, RingCounts>, maxConcurrent: CountOrPercent): number {
  const own = counted.get(self);
  if (own === undefined) return 0;
  const fleet = [...counted.values()].reduce((sum, counts) => addCounts(sum, counts), emptyCounts());
  const limit = Math.max(1, resolveCountOrPercent(maxConcurrent, fleet.targeted - fleet.incompatible, 'up'));
  const inFlight = (counts: RingCounts): number => Math.max(0, gateTally(counts).inFlight);
  const used = [...counted.values()].reduce((sum, counts) => sum + inFlight(counts), 0);
  const split = splitBudget(limit - used, Object.fromEntries([...counted].map(([replica, counts]) => [replica, pendingCount(counts)])));
  return inFlight(own) + (split[self] as number);
}
