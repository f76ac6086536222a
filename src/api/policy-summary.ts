import type { Condition, PolicyPhase, PolicyStatus, RingPhase, RolloutPolicySpec } from '../manifests/types.ts';
import type { AgentPlacement } from '../rollout/types.ts';
import { barFromCounts, barFromPlacements, type RingBar } from './ring-bar.ts';
import type { PolicyView } from './view.ts';

/** The exact edits that approve a ring, in Git and in Kubernetes. */
export interface ApprovalHint {
  ring: string;
  /** The manifest to edit (relative to the repository root), when known. */
  file?: string;
  /** The YAML line the edit should leave in the policy, e.g. `spec.approvals: [canary, everyone]`. */
  gitEdit: string;
  kubectl: string;
}

/** An agent that counts against a ring's failure budget. */
export interface FailingAgent {
  uid: string;
  state: string;
  reason?: string;
}

/** One ring as operators see it. */
export interface RingOverview {
  name: string;
  phase: RingPhase;
  requireApproval: boolean;
  approved: boolean;
  startedAt?: string;
  succeededAt?: string;
  /** RFC 3339; the ring is baking until then. */
  bakeUntil?: string;
  bar: RingBar;
  /** Sorted by uid; at most `failingLimit` of them. */
  failing: FailingAgent[];
  failingTotal: number;
  approval?: ApprovalHint;
  message?: string;
}

/** One policy as the API serves it: the declaration, the status, and what they mean. */
export interface PolicySummary {
  name: string;
  namespace?: string;
  file?: string;
  release: string;
  package: string;
  phase: PolicyPhase;
  stableRelease?: string;
  currentRing?: string;
  message?: string;
  unassigned: number;
  conditions: Condition[];
  rings: RingOverview[];
  spec: RolloutPolicySpec;
  status?: PolicyStatus;
}

const FAILING_STATES = new Set(['failed', 'timedOut', 'rolledBack']);

/** Derives the operators' summary of one policy (pure; `failingLimit` bounds each ring's list). */
export function summarizePolicy(policy: PolicyView, failingLimit = 5): PolicySummary {
  const status = policy.status;
  const placements = policy.membership ? Object.entries(policy.membership.agents) : undefined;
  const rings = policy.spec.rings.map((ring): RingOverview => {
    const rs = status?.rings.find((r) => r.name === ring.name);
    const approved = policy.spec.approvals?.includes(ring.name) ?? false;
    const phase: RingPhase = rs?.phase ?? 'Pending';
    const failing = placements ? failingOf(ring.name, placements) : [];
    const bar = placements ? barFromPlacements(ring.name, placements.map(([, p]) => p)) : rs ? barFromCounts(rs.counts) : barFromCounts(zeroCounts());
    return {
      name: ring.name, phase, requireApproval: ring.requireApproval ?? false, approved, bar,
      failing: failing.slice(0, failingLimit), failingTotal: failing.length,
      ...(rs?.startedAt ? { startedAt: rs.startedAt } : {}),
      ...(rs?.succeededAt ? { succeededAt: rs.succeededAt } : {}),
      ...(rs?.bakeUntil ? { bakeUntil: rs.bakeUntil } : {}),
      ...(rs?.message ? { message: rs.message } : {}),
      ...(phase === 'WaitingApproval' && !approved ? { approval: approvalHint(policy, ring.name) } : {}),
    };
  });
  return {
    name: policy.name, release: policy.release, package: policy.package,
    ...(policy.namespace ? { namespace: policy.namespace } : {}),
    ...(policy.file ? { file: policy.file } : {}),
    phase: status?.phase ?? 'Pending',
    ...(status?.stableRelease ? { stableRelease: status.stableRelease } : {}),
    ...(status?.currentRing ? { currentRing: status.currentRing } : {}),
    ...(status?.message ? { message: status.message } : {}),
    unassigned: status?.unassigned ?? 0,
    conditions: status?.conditions ?? [],
    rings, spec: policy.spec,
    ...(status ? { status } : {}),
  };
}

/**
 * The approval edits. A merge patch replaces the whole list, so both hints carry the
 * approvals already given plus the new ring.
 */
export function approvalHint(policy: Pick<PolicyView, 'name' | 'namespace' | 'file' | 'spec'>, ring: string): ApprovalHint {
  const approvals = [...new Set([...(policy.spec.approvals ?? []), ring])];
  const patch = JSON.stringify({ spec: { approvals } });
  const ns = policy.namespace ? ` -n ${policy.namespace}` : '';
  return {
    ring,
    ...(policy.file ? { file: policy.file } : {}),
    gitEdit: `spec.approvals: [${approvals.join(', ')}]`,
    kubectl: `kubectl patch rolloutpolicy ${policy.name}${ns} --type merge -p '${patch}'`,
  };
}

function failingOf(ring: string, placements: Array<[string, AgentPlacement]>): FailingAgent[] {
  return placements
    .filter(([, p]) => p.ring === ring && FAILING_STATES.has(p.state))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([uid, p]) => ({ uid, state: p.state, ...(p.reason ? { reason: p.reason } : {}) }));
}

function zeroCounts() {
  return { targeted: 0, offered: 0, downloading: 0, installing: 0, installed: 0, healthy: 0, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0 };
}
