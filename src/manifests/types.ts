/**
 * The declarative model: the objects users commit to Git or apply as custom resources
 * (API group `ringmaster.dev`, version `v1alpha1`). Field names are the contract; the JSON
 * Schemas in `schemas/` own the details and the descriptions. These types describe objects
 * *after* validation, exactly as written (durations and percentages stay strings, so that
 * status, plans and diffs can show what the user wrote).
 */

export const API_GROUP = 'ringmaster.dev';
export const API_VERSION = 'ringmaster.dev/v1alpha1';

/** One manifest file as read from a tree: path relative to the tree root, UTF-8 text. */
export interface ManifestFile {
  path: string;
  content: string;
}

/** Where a node came from: 1-based line and column, file path relative to the tree root. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Kubernetes only: bumped by the API server on every spec change. */
  generation?: number;
  resourceVersion?: string;
  uid?: string;
}

export type PackageType = 'TopLevel' | 'Addon';

/** One platform's file of a release. */
export interface Artifact {
  os: string;
  arch: string;
  /** Absolute URL, or a path relative to Ringmaster's own artifact store (`packages/...`). */
  url: string;
  /** Lowercase hex SHA-256 of the file (64 digits). */
  sha256: string;
  /** Base64 of the 64-byte Ed25519 signature (see docs/security.md for what is signed). */
  signature?: string;
  size?: number;
}

/** A dependency on another package: `range` is a semver range such as `>=1.5.0`. */
export interface PackageRequirement {
  package: string;
  range: string;
}

export interface PackageReleaseSpec {
  /** OpAMP package name: the key in `PackagesAvailable.packages`. */
  package: string;
  type: PackageType;
  /** Semantic version. */
  version: string;
  artifacts: Artifact[];
  requires?: PackageRequirement[];
  /** Free data from the builder (for example its component list). */
  metadata?: Record<string, unknown>;
}

export interface PackageRelease {
  apiVersion: typeof API_VERSION;
  kind: 'PackageRelease';
  metadata: ObjectMeta;
  spec: PackageReleaseSpec;
}

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

/** Kubernetes-style label selector over flattened agent attributes. Empty = everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: SelectorRequirement[];
}

export interface Ring {
  name: string;
  selector?: LabelSelector;
  /** Percent (0–100) of the policy's agents not taken by an earlier ring. Default 100. */
  percent?: number;
  /** Soak time after the ring succeeds, e.g. `30m`, `1h30m`. Default `0s`. */
  bake?: string;
  /** Count (`2`) or percent of the ring (`"5%"`). Default 0. */
  maxFailures?: number | string;
  requireApproval?: boolean;
}

export type FailurePolicy = 'pause' | 'rollback';

export interface RolloutStrategy {
  /** Count or percent of a ring in flight at once. Default `25%`. */
  maxConcurrent?: number | string;
  /** Per agent, from offer to installed. Default `15m`. */
  installTimeout?: string;
  /** How long an agent must stay healthy after install. Default `60s`. */
  healthyFor?: string;
  /** Per ring, from its start to success. Default `6h`. */
  progressDeadline?: string;
  /** Default `pause`. */
  onFailure?: FailurePolicy;
}

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';

/** New offers are made only inside a window (when any are declared). */
export interface MaintenanceWindow {
  /** Days the window opens on; all days when omitted. */
  days?: Weekday[];
  /** `HH:MM`, local to `timeZone`. */
  start: string;
  /** `HH:MM`, local to `timeZone`; may be earlier than `start` (window crosses midnight). */
  end: string;
  /** IANA zone such as `Europe/Berlin`; default `UTC`. */
  timeZone?: string;
}

export interface RolloutPolicySpec {
  /** Name of the target `PackageRelease`; changing it starts a new rollout. */
  release: string;
  selector?: LabelSelector;
  rings: Ring[];
  strategy?: RolloutStrategy;
  paused?: boolean;
  /** Ring names a human approved. */
  approvals?: string[];
  /** Stop and return affected agents to the stable release now. */
  abort?: boolean;
  windows?: MaintenanceWindow[];
}

export interface RolloutPolicy {
  apiVersion: typeof API_VERSION;
  kind: 'RolloutPolicy';
  metadata: ObjectMeta;
  spec: RolloutPolicySpec;
  status?: PolicyStatus;
}

// ---------------------------------------------------------------------------------------
// Status: written by the controller to `status/<policy>.yaml` (Git) or `.status` (CRD).

export type PolicyPhase =
  | 'Pending'
  | 'Progressing'
  | 'WaitingApproval'
  | 'Baking'
  | 'Paused'
  | 'Succeeded'
  | 'Failed'
  | 'RolledBack'
  | 'Aborted';

export type RingPhase =
  | 'Pending'
  | 'Progressing'
  | 'Baking'
  | 'WaitingApproval'
  | 'Succeeded'
  | 'Failed'
  | 'Paused'
  | 'RolledBack'
  | 'Aborted';

export interface RingCounts {
  /** Agents of the ring (selected by policy and ring, online or not). */
  targeted: number;
  offered: number;
  downloading: number;
  installing: number;
  installed: number;
  healthy: number;
  failed: number;
  timedOut: number;
  offline: number;
  incompatible: number;
  /** Held back by an unmet `requires`. */
  waiting: number;
}

export interface RingStatus {
  name: string;
  phase: RingPhase;
  /** RFC 3339 timestamps (UTC, `Z`). */
  startedAt?: string;
  succeededAt?: string;
  bakeUntil?: string;
  failedAt?: string;
  approvedAt?: string;
  counts: RingCounts;
  message?: string;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** Shaped like Kubernetes `metav1.Condition`. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface HistoryEntry {
  release: string;
  phase: PolicyPhase;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
}

export interface PolicyStatus {
  observedGeneration?: number;
  observedRevision?: string;
  specHash: string;
  phase: PolicyPhase;
  release: string;
  stableRelease?: string;
  currentRing?: string;
  /**
   * Agents on the target release out of those targeted, across all rings, as
   * `<installed>/<targeted>` (e.g. `125/1205`): the CRD's `Installed` printer column.
   */
  installed?: string;
  startedAt?: string;
  rings: RingStatus[];
  /** Agents the policy selects but no ring takes: reported, never upgraded. */
  unassigned?: number;
  conditions: Condition[];
  message?: string;
  history?: HistoryEntry[];
}
