import type { AgentObservation, AgentPlacement, AgentRolloutState } from '../rollout/types.ts';
import type { PolicyView } from './view.ts';

/** One package as the API shows it. */
export interface AgentPackageSummary {
  version?: string;
  hash?: string;
  state: string;
  offeredVersion?: string;
  error?: string;
}

/**
 * One agent as the API shows it. Built field by field from the observation (never spread),
 * so that nothing the OpAMP layer may add later (download headers, tokens) can leak.
 */
export interface AgentSummary {
  uid: string;
  attributes: Record<string, string>;
  platform?: { os: string; arch: string };
  acceptsPackages: boolean;
  online: boolean;
  /** RFC 3339. */
  lastSeen: string;
  healthy?: boolean;
  packages: Record<string, AgentPackageSummary>;
  /** Policy name → the agent's ring (null: selected by no ring) and state in that rollout. */
  policies: Record<string, AgentPlacement>;
  /** The most relevant error: a failed rollout's reason, a package error, or the health error. */
  lastError?: string;
}

/** uid → policy name → placement, from every policy's membership. */
export type PlacementIndex = Map<string, Record<string, AgentPlacement>>;

/** Indexes the memberships of all policies by agent uid (one pass, for one request). */
export function indexPlacements(policies: readonly PolicyView[]): PlacementIndex {
  const index: PlacementIndex = new Map();
  for (const policy of policies) {
    for (const [uid, placement] of Object.entries(policy.membership?.agents ?? {})) {
      let entry = index.get(uid);
      if (!entry) index.set(uid, (entry = {}));
      entry[policy.name] = placement;
    }
  }
  return index;
}

const FAILED: ReadonlySet<AgentRolloutState> = new Set(['failed', 'timedOut', 'rolledBack']);

/** Projects an observation and its placements into the API's agent shape. */
export function summarizeAgent(agent: AgentObservation, placements: Record<string, AgentPlacement> = {}): AgentSummary {
  const packages: Record<string, AgentPackageSummary> = {};
  for (const [name, p] of Object.entries(agent.packages)) {
    packages[name] = {
      state: p.state,
      ...(p.hasVersion !== undefined ? { version: p.hasVersion } : {}),
      ...(p.hasHash !== undefined ? { hash: p.hasHash } : {}),
      ...(p.offeredVersion !== undefined ? { offeredVersion: p.offeredVersion } : {}),
      ...(p.error !== undefined ? { error: p.error } : {}),
    };
  }
  const policies: Record<string, AgentPlacement> = {};
  for (const [policy, pl] of Object.entries(placements)) {
    policies[policy] = { ring: pl.ring, state: pl.state, ...(pl.reason !== undefined ? { reason: pl.reason } : {}) };
  }
  const lastError = lastErrorOf(agent, placements);
  return {
    uid: agent.uid,
    attributes: { ...agent.attributes },
    ...(agent.platform ? { platform: { os: agent.platform.os, arch: agent.platform.arch } } : {}),
    acceptsPackages: agent.acceptsPackages,
    online: agent.online,
    lastSeen: new Date(agent.lastSeen).toISOString(),
    ...(agent.health ? { healthy: agent.health.healthy } : {}),
    packages,
    policies,
    ...(lastError !== undefined ? { lastError } : {}),
  };
}

function lastErrorOf(agent: AgentObservation, placements: Record<string, AgentPlacement>): string | undefined {
  for (const pl of Object.values(placements)) if (FAILED.has(pl.state) && pl.reason) return pl.reason;
  for (const p of Object.values(agent.packages)) if (p.error) return p.error;
  return agent.health?.lastError || undefined;
}
