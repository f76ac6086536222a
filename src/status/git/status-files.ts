/**
 * The bytes of the status files. Rendering is canonical — fixed key order, no undefined
 * values, agents sorted by uid — so an unchanged status is byte-for-byte the same file and
 * "commit only when content changed" is a plain string comparison.
 */
import { parse, stringify } from 'yaml';
import type { Inventory, InventoryAgent } from '../../controller/ports.ts';
import type { PolicyStatus } from '../../manifests/types.ts';
import { RingmasterGitError } from '../../sources/git/git-error.ts';

/** Keys in the order a human reads them; keys not listed follow, alphabetically. */
const KEY_ORDER = [
  'name', 'type', 'status', 'observedGeneration', 'observedRevision', 'specHash', 'phase', 'release', 'stableRelease',
  'currentRing', 'reason', 'message', 'startedAt', 'succeededAt', 'bakeUntil', 'failedAt', 'approvedAt', 'finishedAt',
  'lastTransitionTime', 'unassigned', 'counts', 'targeted', 'offered', 'downloading', 'installing', 'installed',
  'healthy', 'failed', 'timedOut', 'offline', 'incompatible', 'waiting', 'rings', 'conditions', 'history',
];
const RANK = new Map(KEY_ORDER.map((key, index) => [key, index]));

function compareKeys(a: string, b: string): number {
  const ra = RANK.get(a) ?? KEY_ORDER.length;
  const rb = RANK.get(b) ?? KEY_ORDER.length;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A deep copy with object keys in canonical order and undefined values dropped. */
export function canonicalize(value: unknown, order: (a: string, b: string) => number = compareKeys): unknown {
  if (Array.isArray(value)) return value.map((item) => canonicalize(item, order));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(order)) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = canonicalize(item, order);
  }
  return out;
}

/** Policy names become file names: allow what Kubernetes allows for object names. */
export function validatePolicyName(policy: string): string {
  if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(policy) || policy.includes('..')) {
    throw new RingmasterGitError('E_STATUS_POLICY_NAME', `policy name "${policy}" cannot be a status file name: use lowercase letters, digits, "-" and "." (a Kubernetes object name)`);
  }
  return policy;
}

/** `status/<policy>.yaml` as committed. */
export function renderPolicyStatus(status: PolicyStatus): string {
  return stringify(canonicalize(status), { lineWidth: 0 });
}

/** Parses a committed status file; undefined when it is not a status (a human edited it badly). */
export function parsePolicyStatus(text: string): PolicyStatus | undefined {
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 0, uniqueKeys: true });
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const status = value as Partial<PolicyStatus>;
  if (typeof status.phase !== 'string' || !Array.isArray(status.rings) || !Array.isArray(status.conditions)) return undefined;
  return status as PolicyStatus;
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function canonicalAgent(agent: InventoryAgent): unknown {
  return canonicalize(agent, (a, b) => {
    const order = ['uid', 'attributes', 'platform', 'acceptsPackages', 'online', 'lastSeen', 'packages', 'rings'];
    const ra = order.indexOf(a) < 0 ? order.length : order.indexOf(a);
    const rb = order.indexOf(b) < 0 ? order.length : order.indexOf(b);
    return ra !== rb ? ra - rb : byKey(a, b);
  });
}

/**
 * The agents part of `inventory.json`: one agent per line, sorted by uid, so a Git diff shows
 * exactly which agents changed. Two inventories with equal agents render equal.
 */
export function renderInventoryAgents(inventory: Inventory): string {
  const agents = [...inventory.agents].sort((a, b) => byKey(a.uid, b.uid));
  return agents.map((agent) => `    ${JSON.stringify(canonicalAgent(agent))}`).join(',\n');
}

/** `status/inventory.json` as committed (parses as the `Inventory` type). */
export function renderInventory(generatedAt: string, agentsPart: string): string {
  const agents = agentsPart === '' ? '[]' : `[\n${agentsPart}\n  ]`;
  return `{\n  "generatedAt": ${JSON.stringify(generatedAt)},\n  "agents": ${agents}\n}\n`;
}
