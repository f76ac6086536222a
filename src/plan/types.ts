/**
 * What `ringmaster plan` reports: the data a reviewer needs to judge a pull request that
 * changes releases or rollout policies. Pure data, produced by `buildPlan()` and rendered
 * separately (markdown, text, JSON), so the same report can feed a PR comment, a terminal
 * and a script. Everything is sorted and carries no clock reading, so the same inputs
 * always give the same bytes.
 */
import type { Diagnostic } from '../manifests/diagnostic.ts';

export type ObjectKind = 'PackageRelease' | 'RolloutPolicy';
export type ChangeType = 'added' | 'removed' | 'changed';

/**
 * One changed leaf. `path` names the field the way a reviewer reads it: dotted keys, and
 * named list items by their key (`spec.rings[canary].bake`, `spec.artifacts[linux/arm64].sha256`).
 * `before` is absent for added fields, `after` for removed ones.
 */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** A release or policy added, removed or changed between base and head. */
export interface ObjectChange {
  kind: ObjectKind;
  name: string;
  change: ChangeType;
  /** Field-level changes; empty for added and removed objects. */
  fields: FieldChange[];
}

/** A release as the plan names it. */
export interface ReleaseRef {
  name: string;
  package?: string;
  version?: string;
}

/** The gates of one ring, as written and as resolved against the ring's size. */
export interface RingGates {
  /** As written (`30m`), `0s` when omitted. */
  bake: string;
  requireApproval: boolean;
  /** Whether head's `spec.approvals` already names this ring. */
  approved: boolean;
  /** As written (`2`, `5%`), `0` when omitted. */
  maxFailures: string;
  /** Failures tolerated for this ring's size (percent rounded down). */
  maxFailuresAgents: number;
  /** The policy's `strategy.maxConcurrent` as written, `25%` when omitted. */
  maxConcurrent: string;
  /** Agents in flight at once for this ring's size (percent rounded up, at least 1). */
  maxConcurrentAgents: number;
}

/** Agents per platform (`linux/amd64`, or `unknown` when the agent did not say). */
export interface PlatformCount {
  platform: string;
  agents: number;
}

export interface RingPlan {
  name: string;
  /** Agents the planner places in this ring (online or not, compatible or not). */
  agents: number;
  /** Their instance uids, sorted. */
  uids: string[];
  offline: number;
  incompatible: number;
  platforms: PlatformCount[];
  /** First few `host.name` values, sorted (uids for agents without one). */
  exampleHosts: string[];
  /** Agents that already run the target (report its package hash installed). */
  onTarget: number;
  /**
   * Agents that would be offered the target on the first reconcile after the merge and do
   * not run it yet: the first batch, limited by `maxConcurrent` and the ring gates.
   */
  offeredNow: number;
  gates: RingGates;
  /** The ring's phase in the planned status. */
  phase: string;
}

/** Why an agent the planner marked incompatible cannot take the target. */
export type IncompatibleReason = 'no-accepts-packages' | 'no-artifact' | 'unknown-platform' | 'other';

export interface IncompatibleAgent {
  uid: string;
  host?: string;
  platform: string;
  reason: IncompatibleReason;
}

/** The planner's verdict for one policy whose rollout the change affects. */
export interface PolicyPlan {
  policy: string;
  change: ChangeType;
  /** The release the fleet is on (base's target), absent for a new policy. */
  from?: ReleaseRef;
  /** Head's target; absent when the policy is removed. */
  to?: ReleaseRef;
  /** Phase of the planned status right after the merge (`Progressing`, …). */
  phase?: string;
  /** Agents the policy selects. */
  selected: number;
  rings: RingPlan[];
  unassigned: { agents: number; exampleHosts: string[] };
  incompatible: IncompatibleAgent[];
  /** Sum of the rings' bakes: no rollout of this policy can finish sooner. */
  minDuration: { ms: number; text: string };
  /** Rings that need a human approval before they open (not yet in `spec.approvals`). */
  pendingApprovals: string[];
}

export type WarningCode =
  | 'policy-selects-no-agent'
  | 'ring-selects-no-agent'
  | 'ring-shadowed'
  | 'downgrade'
  | 'release-unsigned'
  | 'platform-without-artifact'
  | 'rollout-restarted'
  | 'approval-unknown-ring'
  | 'max-failures-rounds-to-zero'
  | 'base-invalid';

/** Something a careful reviewer would raise. Sorted by policy, then code, then ring. */
export interface PlanWarning {
  code: WarningCode;
  policy?: string;
  ring?: string;
  release?: string;
  message: string;
}

/** Where the fleet picture came from. */
export interface InventorySummary {
  /** `status/inventory.json@origin/main`, a file path, or a server URL. */
  source: string;
  agents: number;
  online: number;
  generatedAt?: string;
}

export interface PlanReport {
  base: { revision: string };
  head: { revision: string };
  /** True when at least one release or policy differs. */
  changed: boolean;
  changes: ObjectChange[];
  policies: PolicyPlan[];
  warnings: PlanWarning[];
  /** Head's errors (the plan is then invalid and empty) and warnings, sorted by file, line. */
  diagnostics: Diagnostic[];
  inventory: InventorySummary;
}
