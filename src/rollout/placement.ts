/**
 * Second pass over the fleet for one policy: each agent's entry for the managed package
 * (target, stable, or what it has) and its placement. New target offers are paced per
 * ring by `maxConcurrent`, in uid order, so replanning picks the same agents again until
 * the server has delivered to them.
 */
import type { PackageType, RingPhase, RingStatus } from '../manifests/types.ts';
import { failureReason, Progress, type ProgressCode } from './agent-progress.ts';
import { closedOffer } from './closed-offer.ts';
import { NOT_GOVERNED, Standing, UNASSIGNED, type PolicyFleet } from './fleet-tally.ts';
import { offerFor, type ReleaseOffers } from './release-offers.ts';
import type { NewerThan } from './requires.ts';
import type { AgentObservation, AgentPlacement, AgentRolloutState, OfferedPackage } from './types.ts';

/** `open`: new offers allowed; `hold`: none (paused, outside windows, halted); `return`: abort/rollback to stable. */
export type OfferMode = 'open' | 'hold' | 'return';

export interface PlacementInput {
  agents: readonly AgentObservation[];
  fleet: PolicyFleet;
  rings: readonly RingStatus[];
  packageName: string;
  packageType: PackageType;
  target: ReleaseOffers;
  stable: ReleaseOffers | undefined;
  mode: OfferMode;
  /** New offers each ring may still make (`maxConcurrent` minus in-flight); consumed. */
  budgets: number[];
  installTimeoutMs: number;
  /** Version comparison, memoised per plan. */
  newer: NewerThan;
  /** Offer sets by agent index; entries are added here (first policy wins). */
  desired: (Record<string, OfferedPackage> | undefined)[];
  /** Failure reasons of this package's target offers, by agent index: filled here for `requires` of later policies. */
  failures: Map<number, string>;
}

const PROGRESS_STATES: readonly AgentRolloutState[] = ['pending', 'offered', 'downloading', 'installing', 'installed', 'healthy', 'failed', 'timedOut'];

/** Places every agent the policy governs; returns placements keyed by uid. */
export function placeAgents(input: PlacementInput): Record<string, AgentPlacement> {
  const placements: Record<string, AgentPlacement> = {};
  const shared = sharedPlacements(input.rings);
  const { fleet, agents } = input;
  for (let index = 0; index < agents.length; index++) {
    const ring = fleet.ringOf[index] as number;
    if (ring === NOT_GOVERNED) continue;
    const uid = (agents[index] as AgentObservation).uid;
    if (ring === UNASSIGNED) {
      // "Reported, never upgraded": not even to the stable release.
      put(input, index, closedOffer(agents[index] as AgentObservation, input.packageName, input.packageType, undefined, false, undefined));
      placements[uid] = shared(ring, 'unassigned');
      continue;
    }
    const state = placeInRing(input, index, ring);
    const reason = reasonFor(input, index, state);
    placements[uid] = reason === undefined ? shared(ring, state) : { ring: (input.rings[ring] as RingStatus).name, state, reason };
  }
  return placements;
}

function placeInRing(input: PlacementInput, index: number, ring: number): AgentRolloutState {
  const { fleet } = input;
  const standing = fleet.standing[index] as number;
  if (standing === Standing.incompatible) return placeClosed(input, index, 'incompatible');
  // A broken requirement withdraws the target: keep what it has (or stable), never delete.
  if (standing === Standing.violated) return placeClosed(input, index, 'waiting', input.mode === 'return');
  const code = fleet.progress[index] as ProgressCode;
  const phase = (input.rings[ring] as RingStatus).phase;
  if (code !== Progress.pending && isStarted(phase)) {
    if (input.mode === 'return') return placeClosed(input, index, 'rolledBack', true);
    put(input, index, targetEntry(input, index));
    return standing === Standing.offline ? 'offline' : (PROGRESS_STATES[code] as AgentRolloutState);
  }
  if (standing === Standing.offline) return placeClosed(input, index, 'offline');
  if (standing === Standing.waiting) return placeClosed(input, index, 'waiting');
  if (!mayOfferNew(input, phase, ring)) return placeClosed(input, index, 'pending');
  put(input, index, targetEntry(input, index));
  (fleet.counts[ring] as { offered: number }).offered++;
  return 'offered';
}

/**
 * No agent is newly offered the target while the policy holds (paused, halted, outside
 * windows). Late joiners of a finished ring get it unpaced; open rings offer within budget.
 */
function mayOfferNew(input: PlacementInput, phase: RingPhase, ring: number): boolean {
  if (input.mode !== 'open') return false;
  if (phase === 'Succeeded') return true;
  if (phase !== 'Progressing' && phase !== 'Baking') return false;
  const budget = input.budgets[ring] as number;
  if (budget <= 0) return false;
  input.budgets[ring] = budget - 1;
  return true;
}

function isStarted(phase: RingPhase): boolean {
  return phase !== 'Pending' && phase !== 'WaitingApproval';
}

function placeClosed(input: PlacementInput, index: number, state: AgentRolloutState, forced = false): AgentRolloutState {
  put(input, index, closedOffer(input.agents[index] as AgentObservation, input.packageName, input.packageType, input.stable, forced, input.desired[index], input.newer));
  return state;
}

function targetEntry(input: PlacementInput, index: number): OfferedPackage {
  return offerFor(input.target, (input.agents[index] as AgentObservation).platform) as OfferedPackage;
}

/** Records the entry in the agent's offer set; agents that accept no packages get no set at all. */
function put(input: PlacementInput, index: number, entry: OfferedPackage | undefined): void {
  if (!(input.agents[index] as AgentObservation).acceptsPackages) return;
  const set = (input.desired[index] ??= {});
  if (entry !== undefined && set[input.packageName] === undefined) set[input.packageName] = entry;
}

function reasonFor(input: PlacementInput, index: number, state: AgentRolloutState): string | undefined {
  if (state === 'failed' || state === 'timedOut') {
    const agent = input.agents[index] as AgentObservation;
    const code = input.fleet.progress[index] as ProgressCode;
    const reason = failureReason(agent, input.packageName, targetEntry(input, index).hash, code, input.installTimeoutMs);
    input.failures.set(index, reason);
    return reason;
  }
  return input.fleet.reasons.get(index);
}

/** Placements without a reason are shared per (ring, state): no object per agent. */
function sharedPlacements(rings: readonly RingStatus[]): (ring: number, state: AgentRolloutState) => AgentPlacement {
  // Index 0 holds the unassigned agents (ring -1).
  const cache: Partial<Record<AgentRolloutState, AgentPlacement>>[] = [{}, ...rings.map(() => ({}))];
  return (ring, state) => {
    const byState = cache[ring + 1] as Partial<Record<AgentRolloutState, AgentPlacement>>;
    return (byState[state] ??= { ring: ring === UNASSIGNED ? null : (rings[ring] as RingStatus).name, state });
  };
}
