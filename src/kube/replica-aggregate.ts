/**
 * Scale-out data (DESIGN.md "Scaling past one machine"): what one replica publishes about
 * its own agents — the status counts per policy and ring — and the arithmetic the
 * leader and the replicas do with it: sum the counts for the gates, and split a ring's
 * batch budget across replicas in proportion to their agents. Plain functions of data.
 */
import type { PolicyStatus, RingCounts } from '../manifests/types.ts';

/** policy → ring → the ring's counts over this replica's agents (the status `RingCounts`). */
export type AggregateCounts = Record<string, Record<string, RingCounts>>;

/** One replica's publication. */
export interface ReplicaAggregate {
  /** Format version of this object. */
  version: 1;
  replica: string;
  /** RFC 3339: when the counts were taken. */
  generatedAt: string;
  /** Agents connected to this replica (selected by a policy or not). */
  agents: number;
  counts: AggregateCounts;
}

const COUNT_KEYS = ['targeted', 'offered', 'downloading', 'installing', 'installed', 'healthy', 'failed', 'timedOut', 'offline', 'incompatible', 'waiting'] as const satisfies ReadonlyArray<keyof RingCounts>;

function zero(): RingCounts {
  return { targeted: 0, offered: 0, downloading: 0, installing: 0, installed: 0, healthy: 0, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0 };
}

/**
 * A replica's counts from the statuses its own planner computed over its own agents
 * (`PlanResult.statuses`): every RingCounts field is a plain count of agents, so the
 * fleet's counts are the sums of the replicas'.
 */
export function summarizeStatuses(statuses: Readonly<Record<string, PolicyStatus>>): AggregateCounts {
  const counts: AggregateCounts = {};
  for (const [policy, status] of Object.entries(statuses)) {
    const rings: Record<string, RingCounts> = {};
    for (const ring of status.rings) rings[ring.name] = { ...zero(), ...ring.counts };
    counts[policy] = rings;
  }
  return counts;
}

/** Sums the counts of every live replica: what the leader's gates see. */
export function sumAggregates(aggregates: readonly ReplicaAggregate[]): { agents: number; counts: AggregateCounts } {
  const counts: AggregateCounts = {};
  let agents = 0;
  for (const aggregate of aggregates) {
    agents += aggregate.agents;
    for (const [policy, rings] of Object.entries(aggregate.counts)) {
      const into = (counts[policy] ??= {});
      for (const [ring, ringCounts] of Object.entries(rings)) {
        const target = (into[ring] ??= zero());
        for (const key of COUNT_KEYS) target[key] += ringCounts[key] ?? 0;
      }
    }
  }
  return { agents, counts };
}

/**
 * What the ring gates need, derived from summed counts exactly as the planner tallies one
 * process's agents (src/rollout/fleet-tally.ts): eligible = neither incompatible nor offline;
 * finished = healthy, failed or timed out; failures = failed or timed out; in flight =
 * offered and not finished.
 */
export function gateTally(c: RingCounts): { eligible: number; finished: number; failures: number; inFlight: number } {
  const finished = c.healthy + c.failed + c.timedOut;
  return { eligible: c.targeted - c.incompatible - c.offline, finished, failures: c.failed + c.timedOut, inFlight: c.offered - finished };
}

/**
 * Splits `budget` (new offers a ring may start now) across replicas in proportion to
 * `weights` (e.g. each replica's agents still waiting in that ring), by largest remainder
 * with ties broken by replica name — every replica computes the same split from the same
 * inputs, so no coordination is needed and the shares never sum to more than the budget.
 */
export function splitBudget(budget: number, weights: Readonly<Record<string, number>>): Record<string, number> {
  const names = Object.keys(weights).sort();
  const total = names.reduce((sum, n) => sum + Math.max(0, weights[n] ?? 0), 0);
  const shares: Record<string, number> = {};
  if (budget <= 0 || total === 0) {
    for (const n of names) shares[n] = 0;
    return shares;
  }
  const give = Math.min(Math.floor(budget), total);
  const exact = names.map((n) => ({ n, w: Math.max(0, weights[n] ?? 0), q: (give * Math.max(0, weights[n] ?? 0)) / total }));
  let left = give;
  for (const e of exact) {
    shares[e.n] = Math.floor(e.q);
    left -= shares[e.n] ?? 0;
  }
  const byRemainder = [...exact].sort((a, b) => b.q - Math.floor(b.q) - (a.q - Math.floor(a.q)) || (a.n < b.n ? -1 : 1));
  for (const e of byRemainder) {
    if (left === 0) break;
    if ((shares[e.n] ?? 0) < e.w) {
      shares[e.n] = (shares[e.n] ?? 0) + 1;
      left -= 1;
    }
  }
  return shares;
}

/** Serialized size limit of one publication (annotations share a 256 KiB budget). Default 128 KiB. */
export const DEFAULT_MAX_AGGREGATE_BYTES = 128 * 1024;

/** A publication that is too large to write or not in the expected shape. */
export class AggregateError extends Error {
  readonly code: 'E_KUBE_AGGREGATE_SIZE' | 'E_KUBE_AGGREGATE_FORMAT';
  constructor(code: AggregateError['code'], message: string) {
    super(message);
    this.name = 'AggregateError';
    this.code = code;
  }
}

/** JSON for the per-replica object, refused (not truncated) above `maxBytes`. */
export function encodeAggregate(aggregate: ReplicaAggregate, maxBytes = DEFAULT_MAX_AGGREGATE_BYTES): string {
  const text = JSON.stringify(aggregate);
  const size = Buffer.byteLength(text);
  if (size > maxBytes) throw new AggregateError('E_KUBE_AGGREGATE_SIZE', `replica aggregate is ${size} bytes, above the ${maxBytes}-byte limit (too many policies × rings?); raise maxAggregateBytes`);
  return text;
}

/** Parses a publication; malformed ones are an error the reader logs and skips. */
export function decodeAggregate(text: string | undefined): ReplicaAggregate {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new AggregateError('E_KUBE_AGGREGATE_FORMAT', 'replica aggregate is not JSON');
  }
  const v = value as Partial<ReplicaAggregate>;
  const isCount = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
  const countsOk = typeof v.counts === 'object' && v.counts !== null && Object.values(v.counts).every((rings) => typeof rings === 'object' && rings !== null
    && Object.values(rings).every((c) => typeof c === 'object' && c !== null && COUNT_KEYS.every((k) => isCount((c as unknown as Record<string, unknown>)[k]))));
  if (v.version !== 1 || typeof v.replica !== 'string' || typeof v.generatedAt !== 'string' || !Number.isSafeInteger(v.agents) || !countsOk) {
    throw new AggregateError('E_KUBE_AGGREGATE_FORMAT', 'replica aggregate does not have the version 1 shape {version, replica, generatedAt, agents, counts}');
  }
  return v as ReplicaAggregate;
}
