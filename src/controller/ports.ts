/**
 * The seams between the controller loop and the outside world. Git and Kubernetes each
 * implement `ManifestSource` and `StatusWriter`; the OpAMP server implements `FleetView`
 * and `OfferSink`. Only `ringmaster serve` (and the demo) wires real implementations.
 */
import type { ManifestFile, PolicyStatus } from '../manifests/types.ts';
import type { AgentObservation, AgentOffer } from '../rollout/types.ts';

export type { ManifestFile };

/** The manifests at one revision (a Git commit, or a Kubernetes list resourceVersion). */
export interface ManifestSnapshot {
  revision: string;
  files: ManifestFile[];
}

export interface ManifestSource {
  /** First sync; resolves once a snapshot is available (or rejects with why not). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The latest snapshot, or undefined before the first successful sync. */
  current(): ManifestSnapshot | undefined;
  /** Fetch now (webhook, manual refresh); resolves with the snapshot after the fetch. */
  sync(): Promise<ManifestSnapshot>;
  /** Called after every sync that produced a new revision. Returns an unsubscribe. */
  onChange(listener: (snapshot: ManifestSnapshot) => void): () => void;
}

/** Package versions an agent reports, as kept in the inventory. */
export interface InventoryPackage {
  version?: string;
  hash?: string;
  state?: string;
}

/** One agent as written to `status/inventory.json` and read by `ringmaster plan`. */
export interface InventoryAgent {
  uid: string;
  attributes: Record<string, string>;
  platform?: { os: string; arch: string };
  acceptsPackages: boolean;
  online: boolean;
  /** RFC 3339. */
  lastSeen: string;
  packages: Record<string, InventoryPackage>;
  /** Policy name → ring name (null: selected by the policy but by no ring). */
  rings: Record<string, string | null>;
}

export interface Inventory {
  /** RFC 3339. */
  generatedAt: string;
  agents: InventoryAgent[];
}

export interface StatusWriter {
  /** The statuses written last time, keyed by policy name (resume after a restart). */
  readAll(): Promise<Record<string, PolicyStatus>>;
  /**
   * Records a policy's status. Writers batch: Git commits at most once per status
   * interval, and only when content changed. `summary` is a one-line human description
   * (used in commit messages and events), e.g. `ring canary succeeded (5/5)`.
   */
  write(policy: string, status: PolicyStatus, summary: string): Promise<void>;
  writeInventory(inventory: Inventory): Promise<void>;
  /** Writes everything pending now (shutdown, tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** What the OpAMP server knows about the fleet. */
export interface FleetView {
  /** Every known agent (online or recently offline), in no particular order. */
  agents(): AgentObservation[];
  /** Called when an agent connects, changes what it reports, or disconnects. */
  onChange(listener: (uid: string) => void): () => void;
}

/** Where the planner's offers go. */
export interface OfferSink {
  /**
   * Replaces the desired package sets. The server pushes a new `packages_available` only
   * to agents whose set changed (WebSocket now; HTTP on the next poll) and only to agents
   * whose latest message advertised `AcceptsPackages`.
   */
  setOffers(offers: readonly AgentOffer[]): void;
}

/** Time, injectable for tests. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
