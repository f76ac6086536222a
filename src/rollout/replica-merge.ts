/**
 * The leader's side of scale-out: its own tally plus the other replicas' published counts
 * make the fleet-wide tally its gates, pacing and status counts use; its own part is
 * recovered afterwards for publication.
 */
import type { Ring, RingCounts } from '../manifests/types.ts';
import { emptyCounts, type PolicyFleet } from './fleet-tally.ts';
import { addCounts, gateTally, subtractCounts } from './replica-counts.ts';
import type { RingTally } from './ring-machine.ts';

/**
 * Adds `remote` (ring name → the other replicas' counts) into `fleet`: counts, gate
 * tallies and in-flight agents become fleet-wide. Returns the remote counts by ring index,
 * for {@link ownCounts}. Without `remote` (planning alone) nothing is added; a ring
 * missing from a given `remote` is unknown: one unseen unfinished agent keeps it from
 * succeeding until every replica has counted it.
 */
export function addRemote(fleet: PolicyFleet, rings: readonly Ring[], remote: Readonly<Record<string, RingCounts>> | undefined): RingCounts[] {
  return rings.map((ring, index) => {
    const known = remote === undefined ? emptyCounts() : remote[ring.name];
    const counts = known ?? emptyCounts();
    const gate = gateTally(counts);
    const tally = fleet.tallies[index] as RingTally;
    if (known === undefined) tally.eligible++;
    fleet.counts[index] = addCounts(fleet.counts[index] as RingCounts, counts);
    tally.eligible += gate.eligible;
    tally.finished += gate.finished;
    tally.failures += gate.failures;
    fleet.inFlight[index] = (fleet.inFlight[index] as number) + Math.max(0, gate.inFlight);
    return counts;
  });
}

/** This replica's own counts by ring name, after placement added its new offers. */
export function ownCounts(fleet: PolicyFleet, rings: readonly Ring[], remote: readonly RingCounts[]): Record<string, RingCounts> {
  return Object.fromEntries(rings.map((ring, index) => [ring.name, subtractCounts(fleet.counts[index] as RingCounts, remote[index])]));
}

/**
 * New offers a replica may still make in a ring under its share (the most it may have
 * in flight): unlimited without a share, else the share minus its own agents in flight.
 */
export function shareBudget(share: number | undefined, ownInFlight: number): number {
  return share === undefined ? Infinity : Math.max(0, share - ownInFlight);
}
