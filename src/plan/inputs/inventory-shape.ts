/**
 * Checks that data read from `status/inventory.json` or a server's agent list has the
 * inventory shape, and names the first field that does not. Unknown fields are ignored, so
 * newer writers stay readable.
 */
import type { Inventory, InventoryAgent, InventoryPackage } from '../../controller/ports.ts';
import { PlanInputError, type PlanErrorCode } from './plan-error.ts';

/** Largest number of agents accepted from any inventory source. */
export const DEFAULT_MAX_AGENTS = 100_000;

/** Parses the text of an inventory file. Throws `E_PLAN_INVENTORY` naming `source` and the field. */
export function parseInventory(text: string, source: string, maxAgents = DEFAULT_MAX_AGENTS): Inventory {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PlanInputError('E_PLAN_INVENTORY', `${source} is not JSON (${(err as Error).message}): regenerate it or pass another --inventory`, { cause: err });
  }
  if (!isRecord(data) || !Array.isArray(data['agents'])) {
    throw new PlanInputError('E_PLAN_INVENTORY', `${source} is not an inventory: expected {"generatedAt": ..., "agents": [...]}`);
  }
  if (data['agents'].length > maxAgents) {
    throw new PlanInputError('E_PLAN_INVENTORY', `${source} lists ${data['agents'].length} agents, over the limit of ${maxAgents}: raise --max-agents`);
  }
  const agents = data['agents'].map((a, i) => checkAgent(a, `${source}: agents[${i}]`, 'E_PLAN_INVENTORY'));
  const generatedAt = data['generatedAt'];
  return { generatedAt: typeof generatedAt === 'string' ? generatedAt : '', agents };
}

/** Checks one agent record; `where` prefixes the error message. */
export function checkAgent(value: unknown, where: string, code: PlanErrorCode): InventoryAgent {
  const fail = (field: string, want: string): never => {
    throw new PlanInputError(code, `${where}.${field} must be ${want}`);
  };
  if (!isRecord(value)) throw new PlanInputError(code, `${where} must be an object`);
  if (typeof value['uid'] !== 'string' || value['uid'] === '') fail('uid', 'a non-empty string');
  const attributes = value['attributes'] ?? {};
  if (!isStringRecord(attributes)) fail('attributes', 'an object of strings');
  if (typeof value['acceptsPackages'] !== 'boolean') fail('acceptsPackages', 'true or false');
  if (typeof value['online'] !== 'boolean') fail('online', 'true or false');
  if (typeof value['lastSeen'] !== 'string' || Number.isNaN(Date.parse(value['lastSeen']))) fail('lastSeen', 'an RFC 3339 time');
  const platform = value['platform'];
  if (platform !== undefined && !(isRecord(platform) && typeof platform['os'] === 'string' && typeof platform['arch'] === 'string')) {
    fail('platform', 'an object {os, arch} of strings');
  }
  return {
    uid: value['uid'] as string,
    attributes: { ...(attributes as Record<string, string>) },
    ...(isRecord(platform) ? { platform: { os: String(platform['os']), arch: String(platform['arch']) } } : {}),
    acceptsPackages: value['acceptsPackages'] as boolean,
    online: value['online'] as boolean,
    lastSeen: value['lastSeen'] as string,
    packages: checkPackages(value['packages'] ?? {}, `${where}.packages`, code),
    rings: {},
  };
}

function checkPackages(value: unknown, where: string, code: PlanErrorCode): Record<string, InventoryPackage> {
  if (!isRecord(value)) throw new PlanInputError(code, `${where} must be an object keyed by package name`);
  const out: Record<string, InventoryPackage> = {};
  for (const [name, p] of Object.entries(value)) {
    if (!isRecord(p)) throw new PlanInputError(code, `${where}[${JSON.stringify(name)}] must be an object {version, hash, state}`);
    const pkg: InventoryPackage = {};
    for (const field of ['version', 'hash', 'state'] as const) {
      const v = p[field];
      if (v === undefined) continue;
      if (typeof v !== 'string') throw new PlanInputError(code, `${where}[${JSON.stringify(name)}].${field} must be a string`);
      pkg[field] = v;
    }
    out[name] = pkg;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): boolean {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string');
}
