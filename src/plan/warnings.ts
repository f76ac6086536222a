/**
 * The questions a careful reviewer asks of a rollout change, answered from the plan. Pure.
 * Each check returns zero or more warnings; none of them blocks the plan (exit code 2 is
 * for invalid manifests only), they make risk visible in the pull request.
 */
import semver from 'semver';
import type { PackageRelease, PolicyPhase, PolicyStatus, RolloutPolicy } from '../manifests/types.ts';
import { matchesSelector } from '../rollout/selector.ts';
import type { AgentObservation, PolicyMembership } from '../rollout/types.ts';
import type { PlanWarning, PolicyPlan } from './types.ts';

/** What the checks of one policy look at. */
export interface WarningInput {
  plan: PolicyPlan;
  head: RolloutPolicy;
  base?: RolloutPolicy;
  target?: PackageRelease;
  membership: PolicyMembership;
  agents: ReadonlyMap<string, AgentObservation>;
  previous?: PolicyStatus;
  planned?: PolicyStatus;
}

/** Every warning for one policy that stays in head, in a stable order. */
export function warnPolicy(input: WarningInput): PlanWarning[] {
  return [
    ...emptyOrShadowedRings(input),
    ...downgrade(input),
    ...unsigned(input),
    ...platformsWithoutArtifact(input),
    ...restartedRollout(input),
    ...unknownApprovals(input),
    ...toleranceRoundsToZero(input),
  ];
}

function emptyOrShadowedRings({ plan, head, membership, agents }: WarningInput): PlanWarning[] {
  const policy = head.metadata.name;
  if (plan.selected === 0) {
    return [{ code: 'policy-selects-no-agent', policy, message: `selects none of the ${agents.size} agents in the inventory: check spec.selector` }];
  }
  const out: PlanWarning[] = [];
  head.spec.rings.forEach((ring, index) => {
    if ((plan.rings[index]?.agents ?? 0) > 0) return;
    const earlier = new Set(head.spec.rings.slice(0, index).map((r) => r.name));
    const takenEarlier = shadowedBy(membership, agents, ring.selector ?? {}, earlier);
    if (takenEarlier !== undefined) {
      out.push({ code: 'ring-shadowed', policy, ring: ring.name, message: `ring ${ring.name} gets no agent: all ${takenEarlier} agents its selector matches are taken by earlier rings (${[...earlier].join(', ')})` });
    } else {
      out.push({ code: 'ring-selects-no-agent', policy, ring: ring.name, message: `ring ${ring.name} selects no agent of the ${plan.selected} the policy selects: it will succeed empty` });
    }
  });
  return out;
}

// The number of candidates when every agent the ring's selector matches sits in an earlier ring.
function shadowedBy(
  membership: PolicyMembership,
  agents: ReadonlyMap<string, AgentObservation>,
  selector: NonNullable<RolloutPolicy['spec']['rings'][number]['selector']>,
  earlier: ReadonlySet<string>,
): number | undefined {
  const candidates = Object.entries(membership.agents).filter(([uid]) => {
    const agent = agents.get(uid);
    return agent !== undefined && matchesSelector(selector, agent.attributes);
  });
  if (candidates.length === 0) return undefined;
  const allEarlier = candidates.every(([, p]) => p.ring !== null && earlier.has(p.ring));
  return allEarlier ? candidates.length : undefined;
}

function downgrade({ plan, head }: WarningInput): PlanWarning[] {
  const from = plan.from?.version;
  const to = plan.to?.version;
  if (!from || !to || plan.from?.package !== plan.to?.package || !semver.valid(from) || !semver.valid(to)) return [];
  if (!semver.lt(to, from)) return [];
  return [{ code: 'downgrade', policy: head.metadata.name, release: head.spec.release, message: `downgrade of ${plan.to?.package}: ${from} → ${to}; agents go back ring by ring as their ring opens` }];
}

function unsigned({ head, target }: WarningInput): PlanWarning[] {
  if (!target) return [];
  const missing = target.spec.artifacts.filter((a) => !a.signature).map((a) => `${a.os}/${a.arch}`).sort();
  if (missing.length === 0) return [];
  return [{ code: 'release-unsigned', policy: head.metadata.name, release: target.metadata.name, message: `release ${target.metadata.name} has no signature for ${missing.join(', ')}: agents that require signatures will refuse it` }];
}

function platformsWithoutArtifact({ plan, head, target }: WarningInput): PlanWarning[] {
  if (!target) return [];
  const byPlatform = new Map<string, string[]>();
  for (const agent of plan.incompatible) {
    if (agent.reason !== 'no-artifact') continue;
    byPlatform.set(agent.platform, [...(byPlatform.get(agent.platform) ?? []), agent.host ?? agent.uid]);
  }
  return [...byPlatform.keys()].sort().map((platform) => {
    const hosts = (byPlatform.get(platform) ?? []).sort();
    return {
      code: 'platform-without-artifact' as const,
      policy: head.metadata.name,
      release: target.metadata.name,
      message: `${hosts.length} agent(s) on ${platform} (${hosts.slice(0, 3).join(', ')}${hosts.length > 3 ? ', …' : ''}) have no artifact in ${target.metadata.name}: they stay on what they run`,
    };
  });
}

const IN_FLIGHT: readonly PolicyPhase[] = ['Progressing', 'WaitingApproval', 'Baking', 'Paused'];

// How far a ring has come; a ring whose planned phase ranks lower than before went back.
const RING_PROGRESS: Readonly<Record<string, number>> = { Pending: 0, Progressing: 1, WaitingApproval: 1, Paused: 1, Baking: 2, Succeeded: 3 };

function restartedRollout({ head, previous, planned }: WarningInput): PlanWarning[] {
  if (!previous || !IN_FLIGHT.includes(previous.phase)) return [];
  const where = previous.currentRing ? ` at ring ${previous.currentRing}` : '';
  const inFlight = `the rollout in flight (${previous.release}, ${previous.phase}${where})`;
  if (head.spec.release !== previous.release) {
    return [{ code: 'rollout-restarted', policy: head.metadata.name, message: `restarts ${inFlight}: spec.release changes from ${previous.release} to ${head.spec.release}` }];
  }
  const back = (planned?.rings ?? []).flatMap((ring) => {
    const before = previous.rings.find((r) => r.name === ring.name)?.phase;
    const went = before !== undefined && (RING_PROGRESS[ring.phase] ?? 0) < (RING_PROGRESS[before] ?? 0);
    return went ? [`${ring.name} ${before} → ${ring.phase}`] : [];
  });
  if (back.length === 0) return [];
  return [{ code: 'rollout-restarted', policy: head.metadata.name, message: `sends rings of ${inFlight} back: ${back.join(', ')}` }];
}

function unknownApprovals({ head }: WarningInput): PlanWarning[] {
  const rings = new Set(head.spec.rings.map((r) => r.name));
  return (head.spec.approvals ?? [])
    .filter((name) => !rings.has(name))
    .map((name) => ({ code: 'approval-unknown-ring' as const, policy: head.metadata.name, ring: name, message: `spec.approvals names ring ${name}, which the policy does not have (rings: ${[...rings].join(', ')})` }));
}

// A percent tolerance meant to allow some failures allows none on a small ring.
function toleranceRoundsToZero({ plan, head }: WarningInput): PlanWarning[] {
  return plan.rings
    .filter((r) => r.agents > 0 && r.gates.maxFailures.endsWith('%') && r.gates.maxFailures !== '0%' && r.gates.maxFailuresAgents === 0)
    .map((r) => ({
      code: 'max-failures-rounds-to-zero' as const,
      policy: head.metadata.name,
      ring: r.name,
      message: `ring ${r.name}: maxFailures ${r.gates.maxFailures} of ${r.agents} agents rounds down to 0, so the first failure halts the ring; write a count (maxFailures: 1) if one failure is acceptable`,
    }));
}
