/**
 * What a simulated agent says: the full report (description, health, package statuses),
 * padded to a chosen size, and the 25-byte heartbeat. Built directly on the OpAMP message
 * types so the simulator costs the server exactly what a real agent's bytes would.
 */
import { toKeyValues } from '../../src/opamp/attributes.ts';
import { encodeAgentToServer } from '../../src/opamp/codec.ts';
import { AgentCapabilities, PackageStatusEnum } from '../../src/opamp/messages.ts';
import type { AgentDescription, AgentToServer, PackageStatus, PackageStatuses } from '../../src/opamp/messages.ts';

/** Reports status, health and packages; accepts packages (what Ringmaster's planner needs). */
export const simulatedCapabilities = AgentCapabilities.ReportsStatus | AgentCapabilities.AcceptsPackages | AgentCapabilities.ReportsPackageStatuses
  | AgentCapabilities.ReportsHealth | AgentCapabilities.ReportsHeartbeat;

/** One package as the simulated agent holds it. */
export interface HeldPackage {
  name: string;
  state: keyof typeof PackageStatusEnum;
  version?: string;
  hash?: Uint8Array;
  offeredVersion?: string;
  offeredHash?: Uint8Array;
  error?: string;
}

/** Who the agent is: its uid, its attributes, and how big its description should be. */
export interface AgentIdentity {
  uid: Uint8Array;
  uidText: string;
  hostName: string;
  platform: { os: string; arch: string };
  labels: Readonly<Record<string, string>>;
  /** Target size of the encoded full report in bytes; padding attributes fill the rest. */
  statusBytes: number;
  /** The padding values that bring the report to `statusBytes` (computed once, on first use). */
  padding?: string[];
}

const padValue = 'x'.repeat(96);

/**
 * The description, with `sim.pad.<i>` attributes of ~110 bytes added until the encoded
 * report reaches `statusBytes` (many small attributes, as real resource attributes are,
 * rather than one big string).
 */
export function describe(identity: AgentIdentity, version: string | undefined): AgentDescription {
  const attributes: Record<string, string> = { 'host.name': identity.hostName, 'os.type': identity.platform.os, 'host.arch': identity.platform.arch, ...identity.labels };
  if (version !== undefined) attributes['service.version'] = version;
  const description = {
    identifyingAttributes: toKeyValues({ 'service.name': 'otelcol-sim', 'service.instance.id': identity.uidText }),
    nonIdentifyingAttributes: toKeyValues(attributes),
  };
  identity.padding ??= padding(description, identity.statusBytes);
  identity.padding.forEach((value, i) => description.nonIdentifyingAttributes.push({ key: `sim.pad.${i}`, value: { stringValue: value } }));
  return description;
}

/** Uid, sequence number, capabilities and health around the description, encoded. */
const reportOverhead = 60;

/** Full 96-byte pads, then one shorter pad for the rest (within a few bytes of the target). */
function padding(description: AgentDescription, statusBytes: number): string[] {
  const base = encodeAgentToServer({ agentDescription: description }).byteLength + reportOverhead;
  const padBytes = (value: string): number => encodeAgentToServer({ agentDescription: { nonIdentifyingAttributes: [{ key: 'sim.pad.10', value: { stringValue: value } }] } }).byteLength - 2;
  const framing = padBytes('');
  const full = padBytes(padValue);
  const values: string[] = [];
  let left = statusBytes - base;
  for (; left >= full; left -= full) values.push(padValue);
  if (left > framing) values.push('x'.repeat(left - framing));
  return values;
}

/** Package statuses as the spec wants them: every held package, and the aggregate hash echoed. */
export function packageStatuses(held: ReadonlyMap<string, HeldPackage>, allPackagesHash: Uint8Array | undefined): PackageStatuses {
  const packages: Record<string, PackageStatus> = {};
  for (const pkg of held.values()) {
    const status: PackageStatus = { name: pkg.name, status: PackageStatusEnum[pkg.state] };
    if (pkg.version !== undefined) status.agentHasVersion = pkg.version;
    if (pkg.hash !== undefined) status.agentHasHash = pkg.hash;
    if (pkg.offeredVersion !== undefined) status.serverOfferedVersion = pkg.offeredVersion;
    if (pkg.offeredHash !== undefined) status.serverOfferedHash = pkg.offeredHash;
    if (pkg.error !== undefined) status.errorMessage = pkg.error;
    packages[pkg.name] = status;
  }
  return allPackagesHash === undefined ? { packages } : { packages, serverProvidedAllPackagesHash: allPackagesHash };
}

/** A heartbeat: uid, sequence number and capabilities only — 25 bytes on the wire. */
export function heartbeat(uid: Uint8Array, sequenceNum: number): AgentToServer {
  return { instanceUid: uid, sequenceNum, capabilities: simulatedCapabilities };
}
