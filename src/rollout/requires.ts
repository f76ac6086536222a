/**
 * `requires` between packages (DESIGN.md): a release is offered to an agent only when the
 * agent has — or is offered in the same set — a version of each required package that
 * satisfies the range.
 */
import semver from 'semver';
import type { PackageRequirement } from '../manifests/types.ts';
import type { AgentObservation, OfferedPackage } from './types.ts';

/**
 * The first unmet requirement as a human reason (`needs otelcol-custom >=1.5.0, has
 * 1.4.0`), or `undefined` when all are met. `sameSet` holds what earlier policies already
 * put into this agent's offer; it wins over what the agent reports, since that is what the
 * agent will have. Invalid ranges or versions never satisfy.
 */
export function unmetRequirement(
  requires: readonly PackageRequirement[] | undefined,
  agent: AgentObservation,
  sameSet: Readonly<Record<string, OfferedPackage>> | undefined,
): string | undefined {
  if (requires === undefined) return undefined;
  for (const requirement of requires) {
    const version = sameSet?.[requirement.package]?.version ?? agent.packages[requirement.package]?.hasVersion;
    if (version !== undefined && satisfies(version, requirement.range)) continue;
    return `needs ${requirement.package} ${requirement.range}, has ${version ?? 'none'}`;
  }
  return undefined;
}

// semver.satisfies returns false (never throws) for an invalid version or range.
function satisfies(version: string, range: string): boolean {
  return semver.satisfies(version, range);
}

/** True when `candidate` is a strictly newer semver than `reference` (false if either is not semver). */
export function isNewer(candidate: string | undefined, reference: string): boolean {
  if (candidate === undefined || semver.valid(candidate) === null || semver.valid(reference) === null) return false;
  return semver.gt(candidate, reference);
}

/** A comparison of two versions, as {@link isNewer}. */
export type NewerThan = (candidate: string | undefined, reference: string) => boolean;

/**
 * {@link isNewer} memoised for one plan: a fleet reports a handful of distinct versions,
 * so each pair is parsed once instead of once per agent.
 */
export function memoizedIsNewer(): NewerThan {
  const memo = new Map<string, Map<string | undefined, boolean>>();
  return (candidate, reference) => {
    let byCandidate = memo.get(reference);
    if (byCandidate === undefined) memo.set(reference, (byCandidate = new Map()));
    let newer = byCandidate.get(candidate);
    if (newer === undefined) byCandidate.set(candidate, (newer = isNewer(candidate, reference)));
    return newer;
  };
}
