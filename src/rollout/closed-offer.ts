/**
 * The entry an agent gets for a managed package when its ring is not open for the target
 * (DESIGN.md: "Offers are the full set", "Never downgrade implicitly").
 */
import type { PackageType } from '../manifests/types.ts';
import { offerFor, type ReleaseOffers } from './release-offers.ts';
import { isNewer, unmetForOffer, type NewerThan } from './requires.ts';
import type { AgentObservation, OfferedPackage } from './types.ts';

/**
 * The stable release for the agent's platform — unless the agent already runs a newer
 * version and `forced` (abort, rollback) is false, or the stable release `requires`
 * something the agent does not report installed; then it keeps what it has. Without a stable release (before
 * any rollout succeeded) the agent keeps what it has too: its installed version is echoed
 * (no `file`, `hash` = its `agent_has_hash`). An agent with nothing installed gets no entry.
 * `sameSet` is what earlier policies already put in the agent's offer; `newer` compares
 * versions (a per-plan memo in the planner).
 */
export function closedOffer(
  agent: AgentObservation,
  name: string,
  type: PackageType,
  stable: ReleaseOffers | undefined,
  forced: boolean,
  sameSet: Readonly<Record<string, OfferedPackage>> | undefined,
  newer: NewerThan = isNewer,
): OfferedPackage | undefined {
  const stableEntry = offerFor(stable, agent.platform);
  const has = agent.packages[name];
  if (stableEntry !== undefined && (forced || has?.hasHash === stableEntry.hash || !newer(has?.hasVersion, stableEntry.version))) {
    if (unmetForOffer(stable?.release.spec.requires, { agent, index: -1, sameSet, failures: undefined }) === undefined) return stableEntry;
  }
  return echoOffer(has?.hasHash, has?.hasVersion, type);
}

/** "Keep what you have": the installed version echoed back, or undefined without one. */
export function echoOffer(hash: string | undefined, version: string | undefined, type: PackageType): OfferedPackage | undefined {
  if (hash === undefined) return undefined;
  return { type, version: version ?? '', hash };
}
