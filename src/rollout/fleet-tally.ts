/**
 * First pass over the fleet for one policy: which ring each agent belongs to, where it
 * stands with the target hash, and the per-ring counts the gates look at. One SHA-256 per
 * (policy, agent) and no per-agent objects: results live in typed arrays indexed like
 * the (uid-sorted) agent list.
 */
import type { PackageRequirement, Ring, RingCounts, RolloutPolicy } from '../manifests/types.ts';
import { isInFlight, judgeProgress, Progress, type ProgressClock, type ProgressCode } from './agent-progress.ts';
import { assignRing, compileRings, positioner } from './bucket.ts';
import { offerFor, type ReleaseOffers } from './release-offers.ts';
import { unmetForOffer, violatedRequirement, type InstallFailures, type RequirementView } from './requires.ts';
import type { RingTally } from './ring-machine.ts';
import { compileSelector } from './selector.ts';
import type { AgentObservation, OfferedPackage } from './types.ts';

/** Ring index for agents the policy does not select. */
export const NOT_GOVERNED = -2;
/** Ring index for agents the policy selects but no ring takes. */
export const UNASSIGNED = -1;

/**
 * Why an agent cannot move right now, apart from its progress. `waiting`: held back by an
 * unmet `requires`; `violated`: holds the target but a requirement no longer holds (its
 * target offer is withdrawn). Both are placed as `waiting`.
 */
export const Standing = { able: 0, incompatible: 1, offline: 2, waiting: 3, violated: 4 } as const;

export interface PolicyFleet {
  /** Ring index per agent, or {@link NOT_GOVERNED} / {@link UNASSIGNED}. */
  ringOf: Int32Array;
  /** `ProgressCode` per agent (pending for agents not judged). */
  progress: Uint8Array;
  /** `Standing` per agent. */
  standing: Uint8Array;
  /** Reasons for incompatible, waiting and violated agents, by agent index. */
  reasons: Map<number, string>;
  counts: RingCounts[];
  tallies: RingTally[];
  /** Online agents per ring holding an unfinished target offer. */
  inFlight: number[];
  unassigned: number;
}

export interface TallyInput {
  agents: readonly AgentObservation[];
  policy: RolloutPolicy;
  packageName: string;
  target: ReleaseOffers;
  requires: readonly PackageRequirement[] | undefined;
  /** Offer sets built by earlier policies, by agent index (`requires` and ownership). */
  desired: readonly (Record<string, OfferedPackage> | undefined)[];
  /** Install failures of the packages earlier policies offered (`requires`). */
  failures: InstallFailures | undefined;
  clock: ProgressClock;
}

/** Counts every ring of `input.policy` over the fleet. */
export function tallyFleet(input: TallyInput): PolicyFleet {
  const { agents, policy } = input;
  const rings: readonly Ring[] = policy.spec.rings;
  const fleet: PolicyFleet = {
    ringOf: new Int32Array(agents.length).fill(NOT_GOVERNED),
    progress: new Uint8Array(agents.length),
    standing: new Uint8Array(agents.length),
    reasons: new Map(),
    counts: rings.map(() => emptyCounts()),
    tallies: rings.map(() => ({ eligible: 0, finished: 0, failures: 0 })),
    inFlight: rings.map(() => 0),
    unassigned: 0,
  };
  const position = positioner(policy.metadata.name);
  const selected = compileSelector(policy.spec.selector);
  const matchers = compileRings(rings);
  for (let index = 0; index < agents.length; index++) {
    const agent = agents[index] as AgentObservation;
    if (!selected(agent.attributes)) continue;
    const ring = assignRing(matchers, position(agent.uid), agent.attributes);
    fleet.ringOf[index] = ring;
    if (ring === UNASSIGNED) fleet.unassigned++;
    else tallyAgent(input, fleet, index, ring);
  }
  return fleet;
}

function tallyAgent(input: TallyInput, fleet: PolicyFleet, index: number, ring: number): void {
  const agent = input.agents[index] as AgentObservation;
  const counts = fleet.counts[ring] as RingCounts;
  counts.targeted++;
  const incompatible = incompatibility(input, agent, index);
  if (incompatible !== undefined) {
    fleet.standing[index] = Standing.incompatible;
    fleet.reasons.set(index, incompatible);
    counts.incompatible++;
    return;
  }
  const target = offerFor(input.target, agent.platform) as OfferedPackage;
  const code = judgeProgress(agent, input.packageName, target.hash, input.clock);
  fleet.progress[index] = code;
  if (!agent.online) {
    fleet.standing[index] = Standing.offline;
    counts.offline++;
    return;
  }
  if (input.requires !== undefined && heldByRequires(input, input.requires, fleet, index, ring, code)) return;
  countProgress(counts, fleet.tallies[ring] as RingTally, code);
  if (isInFlight(code)) fleet.inFlight[ring] = (fleet.inFlight[ring] as number) + 1;
}

/**
 * Applies `requires` (docs/rollout.md "requires"); true when the agent is held: counted as
 * `waiting` and nothing else. Agents the rollout may still reach block the ring (eligible,
 * never finished); those whose required package failed, and those whose requirement broke
 * after they took the target, do not: nothing this rollout does can move them.
 */
function heldByRequires(input: TallyInput, requires: readonly PackageRequirement[], fleet: PolicyFleet, index: number, ring: number, code: ProgressCode): boolean {
  const view: RequirementView = { agent: input.agents[index] as AgentObservation, index, sameSet: input.desired[index], failures: input.failures };
  let reason: string | undefined;
  if (code === Progress.pending) {
    const unmet = unmetForOffer(requires, view);
    if (unmet === undefined) return false;
    fleet.standing[index] = Standing.waiting;
    if (unmet.blocking) (fleet.tallies[ring] as RingTally).eligible++;
    reason = unmet.reason;
  } else {
    // Checked before the agent's own failure: an addon broken by its dependency's rollback is not the addon's fault.
    reason = violatedRequirement(requires, view);
    if (reason === undefined) return false;
    fleet.standing[index] = Standing.violated;
  }
  fleet.reasons.set(index, reason);
  (fleet.counts[ring] as RingCounts).waiting++;
  return true;
}

/** Why the agent can never take this release, or undefined when it can. */
function incompatibility(input: TallyInput, agent: AgentObservation, index: number): string | undefined {
  if (!agent.acceptsPackages) return 'agent does not accept packages (no AcceptsPackages capability)';
  if (agent.platform === undefined) return 'agent reports no platform (os.type, host.arch)';
  if (offerFor(input.target, agent.platform) === undefined) return `release has no artifact for ${agent.platform.os}/${agent.platform.arch}`;
  if (input.desired[index]?.[input.packageName] !== undefined) return `package "${input.packageName}" is already managed by another policy`;
  return undefined;
}

function countProgress(counts: RingCounts, tally: RingTally, code: number): void {
  tally.eligible++;
  if (code === Progress.pending) return;
  counts.offered++;
  switch (code) {
    case Progress.downloading:
      counts.downloading++;
      return;
    case Progress.installing:
      counts.installing++;
      return;
    case Progress.installed:
      counts.installed++;
      return;
    case Progress.healthy:
      counts.installed++;
      counts.healthy++;
      tally.finished++;
      return;
    case Progress.failed:
      counts.failed++;
      tally.finished++;
      tally.failures++;
      return;
    case Progress.timedOut:
      counts.timedOut++;
      tally.finished++;
      tally.failures++;
      return;
  }
}

/** All-zero counts. */
export function emptyCounts(): RingCounts {
  return { targeted: 0, offered: 0, downloading: 0, installing: 0, installed: 0, healthy: 0, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0 };
}
