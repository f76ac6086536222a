/**
 * The agent registry: what every agent last reported, keyed by instance uid. Applying a
 * report follows the spec's "missing sub-message = unchanged" rule and keeps the original
 * `since` times so the planner's timers do not restart on repeated reports.
 */
import type { AgentHealthObservation, AgentObservation, AgentPackageObservation, DeliveredPackage, PackageState } from '../rollout/types.ts';
import { flattenAttributes } from './attributes.ts';
import { AgentCapabilities, PackageStatusEnum } from './messages.ts';
import type { AgentToServer, ComponentHealth, PackageStatus, PackageStatuses } from './messages.ts';

export type Transport = 'websocket' | 'http';

/** One agent as the server holds it. */
export interface AgentRecord {
  uid: string;
  attributes: Record<string, string>;
  capabilities: number;
  platform?: { os: string; arch: string };
  health?: AgentHealthObservation;
  packages: Record<string, AgentPackageObservation>;
  /** Hex of the agent's last `server_provided_all_packages_hash`. */
  reportedAllPackagesHash?: string;
  transport: Transport;
  /** The WebSocket session that holds the agent, while one does. */
  sessionId?: number;
  online: boolean;
  lastSeen: number;
  sequenceNum: number;
  /** What the server last sent, per package, and the aggregate hash of that offer. */
  delivered: Record<string, DeliveredPackage>;
  deliveredAllPackagesHash?: string;
}

/** What one report changed, for events. */
export interface ReportChanges {
  changed: boolean;
  /** Names of packages whose state, offered hash or installed hash changed (or vanished). */
  packages: string[];
}

const stateNames: Record<number, PackageState> = {
  [PackageStatusEnum.Installed]: 'Installed',
  [PackageStatusEnum.InstallPending]: 'InstallPending',
  [PackageStatusEnum.Installing]: 'Installing',
  [PackageStatusEnum.InstallFailed]: 'InstallFailed',
  [PackageStatusEnum.Downloading]: 'Downloading',
};

const toHex = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined || bytes.byteLength === 0 ? undefined : Buffer.from(bytes).toString('hex');

/** A fresh record for an agent first seen now. */
export function newRecord(uid: string, transport: Transport, now: number): AgentRecord {
  return { uid, attributes: {}, capabilities: 0, packages: {}, transport, online: true, lastSeen: now, sequenceNum: 0, delivered: {} };
}

/** Folds one AgentToServer into the record (mutating it) and says what changed. */
export function applyReport(record: AgentRecord, message: AgentToServer, now: number): ReportChanges {
  let changed = false;
  const capabilities = message.capabilities ?? 0;
  if (capabilities !== record.capabilities) {
    record.capabilities = capabilities;
    changed = true;
  }
  if (message.agentDescription !== undefined) changed = applyDescription(record, flattenAttributes(message.agentDescription)) || changed;
  if (message.health !== undefined) changed = applyHealth(record, message.health, now) || changed;
  const packages = message.packageStatuses === undefined ? [] : applyPackageStatuses(record, message.packageStatuses, now);
  record.sequenceNum = message.sequenceNum ?? 0;
  record.lastSeen = now;
  return { changed: changed || packages.length > 0, packages };
}

function applyDescription(record: AgentRecord, attributes: Record<string, string>): boolean {
  // Agents resend the same description often; comparing key by key (and keeping the old
  // object) is far cheaper than serialising both on every report.
  if (sameAttributes(record.attributes, attributes)) return false;
  record.attributes = attributes;
  const os = attributes['os.type'];
  const arch = attributes['host.arch'];
  if (os !== undefined && arch !== undefined) record.platform = { os, arch };
  else delete record.platform;
  return true;
}

function sameAttributes(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (a[key] !== b[key] || !(key in b)) return false;
  return true;
}

function applyHealth(record: AgentRecord, health: ComponentHealth, now: number): boolean {
  const healthy = health.healthy ?? false;
  const previous = record.health;
  const since = previous !== undefined && previous.healthy === healthy ? previous.since : now;
  const next: AgentHealthObservation = { healthy, since };
  if (health.lastError !== undefined && health.lastError !== '') next.lastError = health.lastError;
  record.health = next;
  return previous === undefined || previous.healthy !== healthy || previous.lastError !== next.lastError;
}

/** PackageStatuses is the agent's complete set: packages it no longer lists are gone. */
function applyPackageStatuses(record: AgentRecord, statuses: PackageStatuses, now: number): string[] {
  const hash = toHex(statuses.serverProvidedAllPackagesHash);
  if (hash === undefined) delete record.reportedAllPackagesHash;
  else record.reportedAllPackagesHash = hash;
  const next: Record<string, AgentPackageObservation> = {};
  const changedNames: string[] = [];
  for (const [key, status] of Object.entries(statuses.packages ?? {})) {
    const name = status.name !== undefined && status.name !== '' ? status.name : key;
    const observed = toPackageObservation(name, status, record.packages[name], now);
    next[name] = observed;
    if (!samePackage(record.packages[name], observed)) changedNames.push(name);
  }
  for (const name of Object.keys(record.packages)) if (!Object.hasOwn(next, name)) changedNames.push(name);
  record.packages = next;
  return changedNames;
}

function toPackageObservation(name: string, status: PackageStatus, previous: AgentPackageObservation | undefined, now: number): AgentPackageObservation {
  const state = stateNames[status.status ?? 0] ?? 'InstallFailed';
  const observed: AgentPackageObservation = { name, state, since: now };
  if (status.agentHasVersion) observed.hasVersion = status.agentHasVersion;
  const hasHash = toHex(status.agentHasHash);
  if (hasHash !== undefined) observed.hasHash = hasHash;
  if (status.serverOfferedVersion) observed.offeredVersion = status.serverOfferedVersion;
  const offeredHash = toHex(status.serverOfferedHash);
  if (offeredHash !== undefined) observed.offeredHash = offeredHash;
  if (status.errorMessage) observed.error = status.errorMessage;
  else if (stateNames[status.status ?? 0] === undefined) observed.error = `unknown package status ${status.status ?? 0}`;
  // "since" is when this (state, offered hash) pair was first seen: keep it across repeats.
  if (previous !== undefined && previous.state === state && previous.offeredHash === observed.offeredHash) observed.since = previous.since;
  return observed;
}

function samePackage(a: AgentPackageObservation | undefined, b: AgentPackageObservation): boolean {
  return a !== undefined && a.state === b.state && a.offeredHash === b.offeredHash && a.hasHash === b.hasHash
    && a.hasVersion === b.hasVersion && a.error === b.error;
}

/** True when the agent's latest message advertised `AcceptsPackages`. */
export function acceptsPackages(record: AgentRecord): boolean {
  return (record.capabilities & AgentCapabilities.AcceptsPackages) !== 0;
}

/** A detached copy of the record in the planner's vocabulary. */
export function toObservation(record: AgentRecord): AgentObservation {
  const observation: AgentObservation = {
    uid: record.uid,
    attributes: { ...record.attributes },
    acceptsPackages: acceptsPackages(record),
    online: record.online,
    lastSeen: record.lastSeen,
    packages: copyEntries(record.packages),
  };
  if (record.platform !== undefined) observation.platform = { ...record.platform };
  if (record.health !== undefined) observation.health = { ...record.health };
  if (Object.keys(record.delivered).length > 0) observation.delivered = copyEntries(record.delivered);
  return observation;
}

/** A copy one level deep: the entries (package statuses, deliveries) hold only primitives. */
function copyEntries<T extends object>(entries: Readonly<Record<string, T>>): Record<string, T> {
  const copy: Record<string, T> = {};
  for (const key of Object.keys(entries)) copy[key] = { ...(entries[key] as T) };
  return copy;
}
