/**
 * What the agent says about itself (`AgentDescription`) and its health
 * (`ComponentHealth`), in OpenTelemetry semantic-convention names — what ring selectors
 * match on.
 */
import { hostname } from 'node:os';
import { toKeyValues } from '../opamp/attributes.ts';
import type { AgentDescription, ComponentHealth } from '../opamp/messages.ts';
import type { InstallerHealth } from './installer.ts';

/** `os.type` / `host.arch` of this host, in the names releases use (`linux`, `amd64`). */
export function hostPlatform(): { os: string; arch: string } {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arches: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
  return { os, arch: arches[process.arch] ?? process.arch };
}

/** What goes into the agent description. */
export interface DescriptionInput {
  serviceName: string;
  /** Installed top-level version; omitted when unknown. */
  serviceVersion?: string;
  instanceUid: string;
  hostName?: string;
  platform: { os: string; arch: string };
  labels: Readonly<Record<string, string>>;
}

/** Builds the description: name and instance id identify; the rest (labels last) does not. */
export function describeAgent(input: DescriptionInput): AgentDescription {
  const nonIdentifying: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.labels)) nonIdentifying[key] = value;
  if (input.serviceVersion !== undefined) nonIdentifying['service.version'] = input.serviceVersion;
  nonIdentifying['host.name'] = input.hostName ?? hostname();
  nonIdentifying['os.type'] = input.platform.os;
  nonIdentifying['host.arch'] = input.platform.arch;
  return {
    identifyingAttributes: toKeyValues({ 'service.name': input.serviceName, 'service.instance.id': input.instanceUid }),
    nonIdentifyingAttributes: toKeyValues(nonIdentifying),
  };
}

/**
 * Converts installer health to `ComponentHealth`. `statusTime` must only move when the
 * health changed, so unchanged health is not re-sent (spec: omit unchanged sub-messages).
 */
export function toComponentHealth(health: InstallerHealth, statusTimeMs: number): ComponentHealth {
  const out: ComponentHealth = { healthy: health.healthy, status: health.status, statusTimeUnixNano: statusTimeMs * 1e6 };
  if (health.startedAt !== undefined) out.startTimeUnixNano = health.startedAt * 1e6;
  if (health.lastError !== undefined) out.lastError = health.lastError;
  if (health.components) {
    const map: Record<string, ComponentHealth> = {};
    for (const [name, c] of Object.entries(health.components)) {
      map[name || 'collector'] = { healthy: c.healthy, status: c.status, ...(c.lastError === undefined ? {} : { lastError: c.lastError }) };
    }
    out.componentHealthMap = map;
  }
  return out;
}

/** True when two health reports differ in anything but their status time. */
export function healthChanged(a: InstallerHealth | undefined, b: InstallerHealth): boolean {
  return a === undefined || JSON.stringify({ ...a }) !== JSON.stringify({ ...b });
}
