/**
 * `planRollout`: the one function the controller, `ringmaster plan` and the dashboard
 * call (DESIGN.md "Rollout semantics"). Pure: the same input gives the same output,
 * timestamps included; time is `input.now`.
 */
import type { PackageRelease, PolicyStatus, RolloutPolicy } from '../manifests/types.ts';
import { assembleOffers, echoTypeResolver } from './offers.ts';
import { followPolicy } from './follow-plan.ts';
import { planPolicy, type PolicyPlanContext } from './policy-plan.ts';
import { buildReleaseOffers, type ReleaseOffers } from './release-offers.ts';
import type { InstallFailures } from './requires.ts';
import type { AgentObservation, OfferedPackage, PlanInput, PlanResult, ReplicaOutput } from './types.ts';

/**
 * Plans every policy over the fleet and returns the complete offer for each governed
 * agent that accepts packages, each policy's next status, the events of this step, every
 * governed agent's placement, and per policy the next time planning again could change
 * something with no new input.
 *
 * Policies are planned in name order, except that policies whose target release
 * `requires` another package go after those without, so a requirement is judged
 * knowing what the same plan offers and whether that offer failed or timed out. When two policies manage the same package for one agent,
 * the first planned wins and the other counts the agent as incompatible.
 *
 * With `input.replica` (one of several replicas; `agents` are its own): as a leader, the
 * gates, pacing and status counts also count `remoteCounts`; as a follower (`follow`),
 * offers follow the leader's statuses, no phase moves, no events are emitted and the
 * statuses returned are the followed ones. Either way `result.replica.counts` holds this
 * replica's own counts to publish, and new offers stay within `budgets`
 * (docs/rollout.md "Several replicas").
 */
export function planRollout(input: PlanInput): PlanResult {
  const agents = sortedByUid(input.agents);
  const releaseOffers = releaseOffersLookup(input.releases);
  const desired: (Record<string, OfferedPackage> | undefined)[] = new Array<undefined>(agents.length);
  const failures: InstallFailures = new Map();
  const result: PlanResult = { offers: [], statuses: {}, events: [], membership: [], wakeAt: {} };
  const replica = input.replica;
  const published: ReplicaOutput = { counts: {}, releases: {} };
  for (const policy of planningOrder(input.policies, input.releases)) {
    const name = policy.metadata.name;
    const previous: PolicyStatus | undefined = input.previous[name];
    const remote = replica?.remoteCounts === undefined ? undefined : (replica.remoteCounts[name] ?? {});
    const ctx: PolicyPlanContext = { agents, releaseOffers, desired, failures, previous, now: input.now, revision: input.revision, remote, shares: replica?.budgets?.[name] };
    const plan = replica?.follow === undefined ? planPolicy(policy, ctx) : followPolicy(policy, ctx, replica.follow[name]);
    if (plan.status !== undefined) result.statuses[name] = plan.status;
    result.events.push(...plan.events);
    result.membership.push(plan.membership);
    if (plan.wakeAt !== undefined) result.wakeAt[name] = plan.wakeAt;
    if (plan.ownCounts !== undefined) {
      published.counts[name] = plan.ownCounts;
      published.releases[name] = policy.spec.release;
    }
  }
  if (replica !== undefined) result.replica = published;
  result.membership.sort((a, b) => compare(a.policy, b.policy));
  result.offers = assembleOffers(agents, desired, echoTypeResolver(input.releases));
  return result;
}

function planningOrder(policies: readonly RolloutPolicy[], releases: readonly PackageRelease[]): RolloutPolicy[] {
  const requiring = new Set(releases.filter((release) => (release.spec.requires ?? []).length > 0).map((release) => release.metadata.name));
  const rank = (policy: RolloutPolicy): number => (requiring.has(policy.spec.release) ? 1 : 0);
  return [...policies].sort((a, b) => rank(a) - rank(b) || compare(a.metadata.name, b.metadata.name));
}

/** Offer entries per release, built at most once per plan and only for releases in use. */
function releaseOffersLookup(releases: readonly PackageRelease[]): (name: string) => ReleaseOffers | undefined {
  const byName = new Map(releases.map((release) => [release.metadata.name, release]));
  const built = new Map<string, ReleaseOffers | undefined>();
  return (name) => {
    if (!built.has(name)) {
      const release = byName.get(name);
      built.set(name, release === undefined ? undefined : buildReleaseOffers(release));
    }
    return built.get(name);
  };
}

/** The agents in uid order; a copy is sorted only when the input is not already in order. */
function sortedByUid(agents: readonly AgentObservation[]): readonly AgentObservation[] {
  for (let index = 1; index < agents.length; index++) {
    if ((agents[index - 1] as AgentObservation).uid > (agents[index] as AgentObservation).uid) return [...agents].sort((a, b) => compare(a.uid, b.uid));
  }
  return agents;
}

/** UTF-16 code-unit order (locale-independent, so every replica sorts alike). */
function compare(a: string, b: string): number {
  return Number(a > b) - Number(a < b);
}
