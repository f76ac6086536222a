/**
 * Builders for planner tests: small fleets with readable defaults. Every agent is an
 * online linux/amd64 agent that accepts packages unless told otherwise.
 */
import type { PackageRelease, PolicyStatus, Ring, RolloutPolicy, RolloutPolicySpec } from '../../src/manifests/types.ts';
import { planRollout } from '../../src/rollout/plan.ts';
import { buildReleaseOffers } from '../../src/rollout/release-offers.ts';
import type { AgentObservation, AgentPackageObservation, PlanInput, PlanResult } from '../../src/rollout/types.ts';

export const T0 = Date.parse('2026-11-21T09:00:00Z');
export const MIN = 60_000;
export const PKG = 'otelcol-custom';

/** A release of `PKG` (or `pkg`) with linux/amd64 and linux/arm64 artifacts. */
export function release(version: string, extra: Partial<PackageRelease['spec']> = {}, pkg = PKG): PackageRelease {
  const digest = (arch: string): string => sha(`${pkg}-${version}-${arch}`);
  return {
    apiVersion: 'ringmaster.dev/v1alpha1',
    kind: 'PackageRelease',
    metadata: { name: `${pkg}-${version}` },
    spec: {
      package: pkg,
      type: pkg === PKG ? 'TopLevel' : 'Addon',
      version,
      artifacts: ['amd64', 'arm64'].map((arch) => ({ os: 'linux', arch, url: `packages/${pkg}/${version}/linux-${arch}/${pkg}`, sha256: digest(arch) })),
      ...extra,
    },
  };
}

/** A deterministic 64-hex-digit fake digest. */
function sha(seed: string): string {
  let out = '';
  let h = 2166136261;
  while (out.length < 64) {
    for (const char of seed + out.length) h = Math.imul(h ^ char.charCodeAt(0), 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

/** The package hash `release` offers to linux/`arch` agents. */
export function hashOf(rel: PackageRelease, arch = 'amd64'): string {
  return buildReleaseOffers(rel).byPlatform.get(`linux/${arch}`)!.hash;
}

export function policy(releaseName: string, rings: Ring[], spec: Partial<RolloutPolicySpec> = {}, name = PKG): RolloutPolicy {
  return {
    apiVersion: 'ringmaster.dev/v1alpha1',
    kind: 'RolloutPolicy',
    metadata: { name },
    spec: { release: releaseName, rings, strategy: { maxConcurrent: '100%', healthyFor: '0s' }, ...spec },
  };
}

export function agent(uid: string, attributes: Record<string, string> = {}, extra: Partial<AgentObservation> = {}): AgentObservation {
  return { uid, attributes, acceptsPackages: true, platform: { os: 'linux', arch: 'amd64' }, online: true, lastSeen: T0, packages: {}, ...extra };
}

/** `count` agents `prefix-000…` with the given attributes. */
export function fleet(prefix: string, count: number, attributes: Record<string, string> = {}, extra: Partial<AgentObservation> = {}): AgentObservation[] {
  return Array.from({ length: count }, (_, i) => agent(`${prefix}-${String(i).padStart(3, '0')}`, attributes, extra));
}

/** The agent with `rel` installed (state Installed) since `since`. */
export function withInstalled(a: AgentObservation, rel: PackageRelease, since = T0, extra: Partial<AgentPackageObservation> = {}): AgentObservation {
  const pkg = rel.spec.package;
  const hash = hashOf(rel, a.platform?.arch);
  return { ...a, packages: { ...a.packages, [pkg]: { name: pkg, hasVersion: rel.spec.version, hasHash: hash, offeredHash: hash, state: 'Installed', since, ...extra } } };
}

/** The agent working on `rel` (offered by the server) in `state` since `since`. */
export function withOffered(a: AgentObservation, rel: PackageRelease, state: AgentPackageObservation['state'], since = T0, extra: Partial<AgentPackageObservation> = {}): AgentObservation {
  const pkg = rel.spec.package;
  const hash = hashOf(rel, a.platform?.arch);
  const before = a.packages[pkg];
  const has: Partial<AgentPackageObservation> = before?.hasHash === undefined ? {} : { hasHash: before.hasHash, hasVersion: before.hasVersion! };
  return { ...a, packages: { ...a.packages, [pkg]: { name: pkg, ...has, offeredHash: hash, offeredVersion: rel.spec.version, state, since, ...extra } }, delivered: { ...a.delivered, [pkg]: { hash, at: since } } };
}

export function plan(input: Partial<PlanInput> & Pick<PlanInput, 'policies' | 'releases' | 'agents'>): PlanResult {
  return planRollout({ previous: {}, now: T0, ...input });
}

/** Plans repeatedly, feeding each status back as `previous` (a controller's memory). */
export function replan(input: Partial<PlanInput> & Pick<PlanInput, 'policies' | 'releases' | 'agents'>, previous: PlanResult): PlanResult {
  return plan({ ...input, previous: previous.statuses as Record<string, PolicyStatus> });
}

/** uid → offered version of `pkg` (or undefined when no entry / no offer). */
export function offeredVersions(result: PlanResult, pkg = PKG): Record<string, string | undefined> {
  return Object.fromEntries(result.offers.map((offer) => [offer.uid, offer.packages[pkg]?.file === undefined ? (offer.packages[pkg] ? `keep:${offer.packages[pkg].version}` : undefined) : offer.packages[pkg].version]));
}

/** A previous status in which `rel` completed on `rings` (an empty fleet succeeds at once). */
export function completed(rel: PackageRelease, rings: Ring[], name = PKG): Record<string, PolicyStatus> {
  const result = plan({ policies: [policy(rel.metadata.name, rings, {}, name)], releases: [rel], agents: [], now: T0 - 60 * MIN });
  return result.statuses as Record<string, PolicyStatus>;
}

/** Placement state per uid for one policy. */
export function states(result: PlanResult, policyName = PKG): Record<string, string> {
  const membership = result.membership.find((m) => m.policy === policyName)!;
  return Object.fromEntries(Object.entries(membership.agents).map(([uid, p]) => [uid, p.state]));
}
