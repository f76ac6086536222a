/**
 * Arithmetic on per-replica ring counts (DESIGN.md "Scaling past one machine"): every
 * `RingCounts` field is a plain count of agents, so the fleet's counts are the sums of the
 * replicas' and the gates can be derived from sums exactly as from one process's tally.
 * Shared by the planner and the Kubernetes shell (src/kube/replica-aggregate.ts).
 */
import type { RingCounts } from '../manifests/types.ts';
import { emptyCounts } from './fleet-tally.ts';
import type { RingTally } from './ring-machine.ts';
import type { PerPolicyRing } from './types.ts';

/** Every `RingCounts` field, in status order. */
export const COUNT_KEYS = ['targeted', 'offered', 'downloading', 'installing', 'installed', 'healthy', 'failed', 'timedOut', 'offline', 'incompatible', 'waiting'] as const satisfies ReadonlyArray<keyof RingCounts>;

/** `a + b` field by field, as a new object (a missing field counts as 0). */
export function addCounts(a: Readonly<RingCounts>, b: Readonly<Partial<RingCounts>> | undefined): RingCounts {
  const sum = emptyCounts();
  for (const key of COUNT_KEYS) sum[key] = a[key] + (b?.[key] ?? 0);
  return sum;
}

/** `a - b` field by field, as a new object (a missing field counts as 0). */
export function subtractCounts(a: Readonly<RingCounts>, b: Readonly<Partial<RingCounts>> | undefined): RingCounts {
  const difference = emptyCounts();
  for (const key of COUNT_KEYS) difference[key] = a[key] - (b?.[key] ?? 0);
  return difference;
}

/** Sums several replicas' counts policy by policy and ring by ring. */
export function sumCounts(all: readonly Readonly<PerPolicyRing<Partial<RingCounts>>>[]): PerPolicyRing<RingCounts> {
  const total: PerPolicyRing<RingCounts> = {};
  for (const counts of all) {
    for (const [policy, rings] of Object.entries(counts)) {
      const into = (total[policy] ??= {});
      for (const [ring, ringCounts] of Object.entries(rings)) into[ring] = addCounts(into[ring] ?? emptyCounts(), ringCounts);
    }
  }
  return total;
}

/** What the ring gates need, plus the agents in flight. */
export interface GateTally extends RingTally {
  /** Offered the target and not finished: holding a `maxConcurrent` slot. */
  inFlight: number;
}

/**
 * The gates' view of counts, exactly as the planner tallies one process's agents
 * (fleet-tally.ts): eligible = neither incompatible nor offline (agents waiting on
 * `requires` included); finished = healthy, failed or timed out; failures = failed or
 * timed out; in flight = offered and not finished.
 */
export function gateTally(c: Readonly<RingCounts>): GateTally {
  const finished = c.healthy + c.failed + c.timedOut;
  return { eligible: c.targeted - c.incompatible - c.offline, finished, failures: c.failed + c.timedOut, inFlight: c.offered - finished };
}

/** Agents that could be offered the target now: eligible, not waiting, not yet offered. */
export function pendingCount(c: Readonly<RingCounts>): number {
  return Math.max(0, c.targeted - c.incompatible - c.offline - c.waiting - c.offered);
}

/**
 * Splits `budget` across replicas in proportion to `weights` (e.g. each replica's agents
 * still pending in the ring), by largest remainder with ties broken by replica name (code
 * unit order). Every replica computes the same split from the same inputs, so no
 * coordination is needed; shares never sum to more than the budget, and no replica gets
 * more than its weight.
 */
export function splitBudget(budget: number, weights: Readonly<Record<string, number>>): Record<string, number> {
  const names = Object.keys(weights).sort();
  const weightOf = (name: string): number => Math.max(0, Math.floor(weights[name] as number));
  const total = names.reduce((sum, name) => sum + weightOf(name), 0);
  const give = total === 0 ? 0 : Math.max(0, Math.min(Math.floor(budget), total));
  // Integer arithmetic (quotient and remainder of give·weight / total): no rounding, so the
  // shares add up to exactly `give` and never exceed a weight.
  const exact = names.map((name) => ({ name, share: Math.floor((give * weightOf(name)) / total || 0), remainder: (give * weightOf(name)) % total || 0 }));
  let left = give - exact.reduce((sum, entry) => sum + entry.share, 0);
  const byRemainder = [...exact].sort((a, b) => b.remainder - a.remainder || Number(a.name > b.name) - Number(a.name < b.name));
  for (const entry of byRemainder) {
    if (left === 0) break;
    entry.share++;
    left--;
  }
  return Object.fromEntries(exact.map((entry) => [entry.name, entry.share]));
}
