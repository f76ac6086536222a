/**
 * The planner's contract: what the fleet looks like going in (observations), and what
 * Ringmaster should do coming out (offers, statuses, events). Every side-effecting part
 * (OpAMP server, controller, `ringmaster plan`, dashboard) speaks these types.
 *
 * Times are epoch milliseconds inside the core; statuses render them as RFC 3339.
 * Hashes are lowercase hex strings inside the core; the OpAMP layer converts to bytes.
 */
import type { PackageRelease, PackageType, PolicyStatus, RingCounts, RolloutPolicy } from '../manifests/types.ts';

/** OpAMP `PackageStatusEnum`, by name. */
export type PackageState = 'Installed' | 'InstallPending' | 'Installing' | 'InstallFailed' | 'Downloading';

/** What one agent reports about one package (OpAMP `PackageStatus`), plus when it began. */
export interface AgentPackageObservation {
  name: string;
  /** `agent_has_version` / `agent_has_hash` (hex): what is installed now. */
  hasVersion?: string;
  hasHash?: string;
  /** `server_offered_version` / `server_offered_hash` (hex): what the agent is working on. */
  offeredVersion?: string;
  offeredHash?: string;
  state: PackageState;
  error?: string;
  /** When `state` (with this `offeredHash`) was first reported, epoch ms. */
  since: number;
}

export interface AgentHealthObservation {
  healthy: boolean;
  /** When `healthy` last changed, epoch ms. */
  since: number;
  lastError?: string;
}

/** What the OpAMP server last delivered to the agent for one package. */
export interface DeliveredPackage {
  /** Package hash (hex) that was offered. */
  hash: string;
  /** When that offer was first delivered, epoch ms. */
  at: number;
}

/** One agent as the fleet view sees it. */
export interface AgentObservation {
  /** Instance uid as a canonical UUID string (8-4-4-4-12, lowercase hex). */
  uid: string;
  /** Identifying and non-identifying attributes flattened to strings. */
  attributes: Record<string, string>;
  /** From the agent's latest message: `AgentCapabilities_AcceptsPackages`. */
  acceptsPackages: boolean;
  /** From `os.type` / `host.arch`; undefined when the agent did not say. */
  platform?: { os: string; arch: string };
  online: boolean;
  /** Last message received, epoch ms. */
  lastSeen: number;
  health?: AgentHealthObservation;
  /** Keyed by package name; empty while the agent has reported no package statuses. */
  packages: Record<string, AgentPackageObservation>;
  /** Keyed by package name: what the server delivered (lost on server restart). */
  delivered?: Record<string, DeliveredPackage>;
}

/** The file part of an offered package (OpAMP `DownloadableFile`). */
export interface OfferedFile {
  /** As in the release: absolute, or relative to the artifact store; the server resolves it. */
  url: string;
  sha256: string;
  /** Base64 Ed25519 signature, as in the release. */
  signature?: string;
  size?: number;
}

/** One entry of an agent's desired package set (OpAMP `PackageAvailable`). */
export interface OfferedPackage {
  type: PackageType;
  version: string;
  /** Package hash (hex): changes whenever anything offered for it changes. */
  hash: string;
  /** Absent when the entry only echoes what the agent already has ("keep what you have"). */
  file?: OfferedFile;
  /** The release this entry comes from, when it comes from one. */
  release?: string;
}

/**
 * The complete desired package set for one agent (spec: agents delete packages an offer
 * leaves out). Agents absent from `PlanResult.offers` get no `packages_available` at all.
 */
export interface AgentOffer {
  uid: string;
  packages: Record<string, OfferedPackage>;
  /** Aggregate hash (hex) over sorted names and package hashes. */
  allPackagesHash: string;
}

export interface PlanInput {
  policies: readonly RolloutPolicy[];
  releases: readonly PackageRelease[];
  agents: readonly AgentObservation[];
  /** Status written last time, keyed by policy name. */
  previous: Readonly<Record<string, PolicyStatus>>;
  /** Epoch ms. */
  now: number;
  /** Manifest revision (Git commit) or generation the policies were read at. */
  revision?: string;
  /**
   * Scale-out (DESIGN.md "Scaling past one machine"): set when this process is one of
   * several replicas and `agents` are only its own. Absent: plan the whole fleet alone.
   */
  replica?: ReplicaInput;
}

/** policy name → ring name → counts (or another per-ring value). */
export type PerPolicyRing<T> = Record<string, Record<string, T>>;

/**
 * What a replica adds to the plan input (docs/rollout.md "Several replicas").
 * With `follow`, the replica is a follower: it offers exactly what the leader's statuses
 * decided and decides nothing. Without it, it is the leader: it plans, and its gates see
 * its own agents plus `remoteCounts`.
 */
export interface ReplicaInput {
  /** Follower only: the leader's latest statuses, keyed by policy name. */
  follow?: Readonly<Record<string, PolicyStatus>>;
  /**
   * Leader only: the sum of the other live replicas' published counts (their own agents),
   * from `replicaView`. When given, a policy or ring missing here is unknown — some
   * replica has not yet counted it for this release — and that ring cannot succeed until
   * it is counted. Omit it entirely only when this replica plans alone.
   */
  remoteCounts?: Readonly<PerPolicyRing<RingCounts>>;
  /**
   * The most agents this replica may have in flight per policy and ring (its share of
   * `maxConcurrent`, from `replicaBudgets`). A follower without a share makes no new
   * offers; a leader without budgets is limited by `maxConcurrent` fleet-wide only.
   */
  budgets?: Readonly<PerPolicyRing<number>>;
}

/** What a replica gets back besides the offers. */
export interface ReplicaOutput {
  /**
   * This replica's own agents' counts per policy and ring, this plan's new offers
   * included: what it publishes for the others (statuses carry fleet-wide sums).
   */
  counts: PerPolicyRing<RingCounts>;
  /** policy → the release (`spec.release`) its counts were taken against. */
  releases: Record<string, string>;
}

export type RolloutEventReason =
  | 'RolloutStarted'
  | 'RingStarted'
  | 'RingSucceeded'
  | 'RingBaking'
  | 'RingFailed'
  | 'WaitingApproval'
  | 'Approved'
  | 'Paused'
  | 'Resumed'
  | 'RolledBack'
  | 'Aborted'
  | 'ProgressDeadlineExceeded'
  | 'Completed';

/** A transition worth telling a human. */
export interface RolloutEvent {
  policy: string;
  ring?: string;
  reason: RolloutEventReason;
  type: 'Normal' | 'Warning';
  message: string;
  /** Epoch ms. */
  at: number;
}

/** Where one agent stands in one policy's rollout. */
export type AgentRolloutState =
  | 'unassigned'
  | 'incompatible'
  | 'offline'
  | 'pending'
  | 'waiting'
  | 'offered'
  | 'downloading'
  | 'installing'
  | 'installed'
  | 'healthy'
  | 'failed'
  | 'timedOut'
  | 'rolledBack';

export interface AgentPlacement {
  /** Ring name, or `null` for agents the policy selects but no ring takes. */
  ring: string | null;
  state: AgentRolloutState;
  /** Why, for states that have one (the install error, the unmet `requires`, …). */
  reason?: string;
}

/** Which ring each agent selected by one policy belongs to, and where it stands. */
export interface PolicyMembership {
  policy: string;
  /** Keyed by agent uid. */
  agents: Record<string, AgentPlacement>;
}

export interface PlanResult {
  /** One entry per agent that should receive `packages_available`, sorted by uid. */
  offers: AgentOffer[];
  /** Keyed by policy name. */
  statuses: Record<string, PolicyStatus>;
  events: RolloutEvent[];
  membership: PolicyMembership[];
  /**
   * Per policy, the earliest future time (epoch ms) at which planning again could change
   * the result with no new input (bake end, install timeout, healthyFor, window opening).
   * The controller sets a timer for it.
   */
  wakeAt: Record<string, number>;
  /** Present exactly when `PlanInput.replica` was given. */
  replica?: ReplicaOutput;
}
