import type { AgentObservation, PolicyMembership } from '../rollout/types.ts';
import type { Inventory, InventoryAgent } from './ports.ts';

/**
 * `lastSeen` is rounded down to this granularity so that heartbeats alone do not change
 * the committed inventory (a status commit every interval would bury humans' history).
 */
export const INVENTORY_LAST_SEEN_GRANULARITY_MS = 10 * 60_000;

/**
 * The fleet as `ringmaster plan` needs it: who is out there, what they run, which ring of
 * which policy they fall in. Sorted by uid so identical fleets give identical bytes.
 */
export function buildInventory(agents: readonly AgentObservation[], membership: readonly PolicyMembership[], now: number): Inventory {
  const rings = new Map<string, Record<string, string | null>>();
  for (const m of membership) {
    for (const [uid, placement] of Object.entries(m.agents)) {
      let perAgent = rings.get(uid);
      if (!perAgent) rings.set(uid, (perAgent = {}));
      perAgent[m.policy] = placement.ring;
    }
  }
  const list = agents.map((a) => inventoryAgent(a, rings.get(a.uid) ?? {}));
  list.sort((x, y) => (x.uid < y.uid ? -1 : x.uid > y.uid ? 1 : 0));
  return { generatedAt: roundedIso(now), agents: list };
}

function inventoryAgent(a: AgentObservation, rings: Record<string, string | null>): InventoryAgent {
  const packages: InventoryAgent['packages'] = {};
  for (const name of Object.keys(a.packages).sort()) {
    const p = a.packages[name];
    if (!p) continue;
    packages[name] = {
      ...(p.hasVersion !== undefined ? { version: p.hasVersion } : {}),
      ...(p.hasHash !== undefined ? { hash: p.hasHash } : {}),
      state: p.state,
    };
  }
  return {
    uid: a.uid,
    attributes: sortedRecord(a.attributes),
    ...(a.platform ? { platform: a.platform } : {}),
    acceptsPackages: a.acceptsPackages,
    online: a.online,
    lastSeen: roundedIso(a.lastSeen),
    packages,
    rings: sortedRecord(rings),
  };
}

function roundedIso(ms: number): string {
  const rounded = Math.floor(ms / INVENTORY_LAST_SEEN_GRANULARITY_MS) * INVENTORY_LAST_SEEN_GRANULARITY_MS;
  return new Date(rounded).toISOString().replace('.000Z', 'Z');
}

function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key] as T;
  return out;
}
