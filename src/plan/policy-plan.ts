/**
 * The planner's verdict for one policy, shaped for a reviewer: from → to, the ring table,
 * who is left out and why, and how long the rollout takes at least. Pure.
 */
import { parseDuration } from '../manifests/duration.ts';
import type { PackageRelease, RolloutPolicy } from '../manifests/types.ts';
import { buildReleaseOffers } from '../rollout/release-offers.ts';
import type { AgentObservation, AgentOffer, PlanResult, PolicyMembership } from '../rollout/types.ts';
import { exampleHosts, planRings, platformOf } from './ring-plan.ts';
import type { ChangeType, IncompatibleAgent, IncompatibleReason, PolicyPlan, ReleaseRef } from './types.ts';

/** Everything one policy's plan is computed from. */
export interface PolicyPlanInput {
  change: ChangeType;
  base?: RolloutPolicy;
  head?: RolloutPolicy;
  baseReleases: ReadonlyMap<string, PackageRelease>;
  headReleases: ReadonlyMap<string, PackageRelease>;
  result: PlanResult;
  agents: ReadonlyMap<string, AgentObservation>;
  offers: ReadonlyMap<string, AgentOffer>;
  exampleHosts: number;
}

/** The plan of one added, changed or removed policy. */
export function planPolicy(input: PolicyPlanInput): PolicyPlan {
  const name = (input.head ?? input.base)?.metadata.name ?? '';
  const from = input.base ? { from: releaseRef(input.base.spec.release, input.baseReleases) } : {};
  const head = input.head;
  if (!head) {
    const none = { agents: 0, exampleHosts: [] };
    return { policy: name, change: input.change, ...from, selected: 0, rings: [], unassigned: none, incompatible: [], minDuration: { ms: 0, text: '0s' }, pendingApprovals: [] };
  }
  const membership = input.result.membership.find((m) => m.policy === name) ?? { policy: name, agents: {} };
  const status = input.result.statuses[name];
  const target = input.headReleases.get(head.spec.release);
  const unassigned = agentsWhere(membership, input.agents, (p) => p.ring === null);
  return {
    policy: name,
    change: input.change,
    ...from,
    to: releaseRef(head.spec.release, input.headReleases),
    ...(status ? { phase: status.phase } : {}),
    selected: Object.keys(membership.agents).length,
    rings: planRings({
      policy: head,
      membership,
      agents: input.agents,
      offers: input.offers,
      ...(target ? { target: { package: target.spec.package, release: target.metadata.name, offers: buildReleaseOffers(target) } } : {}),
      phases: new Map((status?.rings ?? []).map((r) => [r.name, r.phase])),
      exampleHosts: input.exampleHosts,
    }),
    unassigned: { agents: unassigned.length, exampleHosts: exampleHosts(unassigned, input.exampleHosts) },
    incompatible: incompatibleAgents(membership, input.agents, target),
    minDuration: minDuration(head),
    pendingApprovals: head.spec.rings
      .filter((r) => r.requireApproval === true && !(head.spec.approvals ?? []).includes(r.name))
      .map((r) => r.name),
  };
}

function releaseRef(name: string, releases: ReadonlyMap<string, PackageRelease>): ReleaseRef {
  const release = releases.get(name);
  return release ? { name, package: release.spec.package, version: release.spec.version } : { name };
}

type Placement = PolicyMembership['agents'][string];

function agentsWhere(
  membership: PolicyMembership,
  agents: ReadonlyMap<string, AgentObservation>,
  keep: (placement: Placement) => boolean,
): AgentObservation[] {
  return Object.entries(membership.agents)
    .filter(([, placement]) => keep(placement))
    .map(([uid]) => agents.get(uid))
    .filter((a): a is AgentObservation => a !== undefined);
}

function incompatibleAgents(
  membership: PolicyMembership,
  agents: ReadonlyMap<string, AgentObservation>,
  target: PackageRelease | undefined,
): IncompatibleAgent[] {
  return agentsWhere(membership, agents, (p) => p.state === 'incompatible')
    .map((agent) => {
      const host = agent.attributes['host.name'];
      return {
        uid: agent.uid,
        ...(host !== undefined ? { host } : {}),
        platform: platformOf(agent),
        reason: whyIncompatible(agent, target),
      };
    })
    .sort((x, y) => (x.uid < y.uid ? -1 : x.uid > y.uid ? 1 : 0));
}

/** The planner says *that* an agent is incompatible; the report says *why*. */
export function whyIncompatible(agent: AgentObservation, target: PackageRelease | undefined): IncompatibleReason {
  if (!agent.acceptsPackages) return 'no-accepts-packages';
  if (!agent.platform) return 'unknown-platform';
  const { os, arch } = agent.platform;
  const hasArtifact = target?.spec.artifacts.some((a) => a.os === os && a.arch === arch) ?? false;
  return hasArtifact ? 'other' : 'no-artifact';
}

/** Sum of the rings' bakes: the shortest time in which every ring can have baked. */
export function minDuration(policy: RolloutPolicy): { ms: number; text: string } {
  const ms = policy.spec.rings.reduce((sum, ring) => sum + (parseDuration(ring.bake ?? '0s') ?? 0), 0);
  return { ms, text: formatDuration(ms) };
}

/** `1h30m`, `45s`, `0s`: the largest units first, no zero parts. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]];
  let rest = Math.round(ms / 1000) * 1000;
  let text = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text === '' ? '0s' : text;
}
