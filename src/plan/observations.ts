/**
 * Turns a recorded inventory into the observations the planner takes. Pure.
 *
 * A plan asks "what would the controller do right after the merge?", so every observation
 * is pinned to the plan's `now`:
 * - package states and health are taken to have *just* begun (`since = now`): no install
 *   timeout has run out and no `healthyFor` has elapsed yet, so the plan never shows an
 *   agent failed, timed out or healthy that the inventory did not show that way;
 * - every agent is taken to be healthy (the inventory records no health): a what-if must
 *   not halt a rollout on a guess;
 * - `online` and `acceptsPackages` are kept as recorded: offline agents are counted in
 *   their ring but are offered nothing, as the controller would do;
 * - nothing has been delivered yet (`delivered` absent): the server restarted, as far as
 *   the planner can tell.
 */
import type { InventoryAgent, InventoryPackage } from '../controller/ports.ts';
import type { AgentObservation, AgentPackageObservation, PackageState } from '../rollout/types.ts';

const PACKAGE_STATES: readonly PackageState[] = ['Installed', 'InstallPending', 'Installing', 'InstallFailed', 'Downloading'];

/** The planner's view of recorded agents at `now` (epoch ms); sorted by uid. */
export function observeInventory(agents: readonly InventoryAgent[], now: number): AgentObservation[] {
  return agents.map((agent) => observeAgent(agent, now)).sort((x, y) => (x.uid < y.uid ? -1 : x.uid > y.uid ? 1 : 0));
}

function observeAgent(agent: InventoryAgent, now: number): AgentObservation {
  const packages: Record<string, AgentPackageObservation> = {};
  for (const [name, reported] of Object.entries(agent.packages)) packages[name] = observePackage(name, reported, now);
  const lastSeen = Date.parse(agent.lastSeen);
  return {
    uid: agent.uid,
    attributes: { ...agent.attributes },
    acceptsPackages: agent.acceptsPackages,
    ...(agent.platform ? { platform: { os: agent.platform.os, arch: agent.platform.arch } } : {}),
    online: agent.online,
    lastSeen: Number.isFinite(lastSeen) ? Math.min(lastSeen, now) : now,
    health: { healthy: true, since: now },
    packages,
  };
}

function observePackage(name: string, reported: InventoryPackage, now: number): AgentPackageObservation {
  const state = PACKAGE_STATES.find((s) => s === reported.state) ?? 'Installed';
  return {
    name,
    ...(reported.version !== undefined ? { hasVersion: reported.version } : {}),
    ...(reported.hash !== undefined ? { hasHash: reported.hash } : {}),
    state,
    since: now,
  };
}
