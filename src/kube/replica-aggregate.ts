/**
 * Scale-out data (DESIGN.md "Scaling past one machine"): what one replica publishes about
 * its own agents — the status counts per policy and ring — and the arithmetic the
 * leader and the replicas do with it: sum the counts for the gates, and split a ring's
 * batch budget across replicas in proportion to their agents. Plain functions of data.
 */
import type { PolicyStatus, RingCounts } from '../manifests/types.ts';
import { emptyCounts } from '../rollout/fleet-tally.ts';
import { COUNT_KEYS, sumCounts } from '../rollout/replica-counts.ts';
import type { PerPolicyRing } from '../rollout/types.ts';

// The arithmetic lives in the pure core (one implementation for planner and shell).
export { gateTally, splitBudget } from '../rollout/replica-counts.ts';

/** policy → ring → the ring's counts over this replica's agents (the status `RingCounts`). */
export type AggregateCounts = PerPolicyRing<RingCounts>;

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
  /**
   * policy → the release its counts were taken against (`PlanResult.replica.releases`).
   * The leader only counts a replica's counts for the release it is rolling out.
   */
  releases?: Record<string, string>;
}

/**
 * A replica's counts from statuses computed over its own agents only (a plan without
 * `PlanInput.replica`). A plan with `replica` returns fleet-wide (leader) or followed
 * statuses: publish its `PlanResult.replica.counts` instead.
 */
export function summarizeStatuses(statuses: Readonly<Record<string, PolicyStatus>>): AggregateCounts {
  const counts: AggregateCounts = {};
  for (const [policy, status] of Object.entries(statuses)) {
    const rings: Record<string, RingCounts> = {};
    for (const ring of status.rings) rings[ring.name] = { ...emptyCounts(), ...ring.counts };
    counts[policy] = rings;
  }
  return counts;
}

/** Sums the counts of every live replica: what the leader's gates see. */
export function sumAggregates(aggregates: readonly ReplicaAggregate[]): { agents: number; counts: AggregateCounts } {
  return { agents: aggregates.reduce((sum, aggregate) => sum + aggregate.agents, 0), counts: sumCounts(aggregates.map((aggregate) => aggregate.counts)) };
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
  const releasesOk = v.releases === undefined || (typeof v.releases === 'object' && v.releases !== null && Object.values(v.releases).every((r) => typeof r === 'string'));
  if (!releasesOk || v.version !== 1 || typeof v.replica !== 'string' || typeof v.generatedAt !== 'string' || !Number.isSafeInteger(v.agents) || !countsOk) {
    throw new AggregateError('E_KUBE_AGGREGATE_FORMAT', 'replica aggregate does not have the version 1 shape {version, replica, generatedAt, agents, counts}');
  }
  return v as ReplicaAggregate;
}
