/**
 * `requires` between packages (DESIGN.md, docs/rollout.md "requires"). A release that
 * requires another package is offered to an agent only once the agent **reports** a
 * satisfying version of it installed: an offer of the required package in the same set is
 * not enough, because an agent installs the packages of one offer in no guaranteed order
 * and may roll the required one back — leaving the dependent installed on a version it
 * does not support.
 */
import semver from 'semver';
import type { PackageRequirement } from '../manifests/types.ts';
import type { AgentObservation, OfferedPackage } from './types.ts';

/**
 * Install failures of offered packages in this plan: package name → agent index (the
 * plan's uid order) → the failure reason (`install failed: …`, `not installed within
 * installTimeout (…)`). Written by the policy that owns the package, read by the policies
 * planned after it.
 */
export type InstallFailures = Map<string, Map<number, string>>;

/** Where one agent stands with a release's `requires`. */
export interface RequirementView {
  agent: AgentObservation;
  /** The agent's index in the plan (uid order), to look up {@link InstallFailures}. */
  index: number;
  /** What earlier policies already put into this agent's offer. */
  sameSet: Readonly<Record<string, OfferedPackage>> | undefined;
  failures: InstallFailures | undefined;
}

/** An unmet requirement. `blocking`: it may still be met by the rollout in progress. */
export interface UnmetRequirement {
  reason: string;
  blocking: boolean;
}

/**
 * Whether the dependent release may be offered now: every requirement must be met by what
 * the agent reports in state `Installed`. Otherwise the reason, preferring a failed
 * dependency (its offer in the same set failed or timed out: not blocking, nothing the
 * rollout does will meet it) over one still to come (in flight, or not yet offered:
 * blocking). Invalid ranges or versions never satisfy.
 */
export function unmetForOffer(requires: readonly PackageRequirement[] | undefined, view: RequirementView): UnmetRequirement | undefined {
  let first: UnmetRequirement | undefined;
  for (const requirement of requires ?? []) {
    const has = view.agent.packages[requirement.package];
    if (has?.state === 'Installed' && satisfies(has.hasVersion, requirement.range)) continue;
    const unmet = classify(requirement, view);
    if (!unmet.blocking) return unmet;
    first ??= unmet;
  }
  return first;
}

/**
 * For an agent that already holds the dependent release (offered or installed): the
 * requirement it now violates, or `undefined`. A requirement holds while the agent reports
 * a satisfying version installed (in any state: during an upgrade the old version still
 * runs) or while a satisfying offer in the same set has neither failed nor timed out.
 */
export function violatedRequirement(requires: readonly PackageRequirement[], view: RequirementView): string | undefined {
  for (const requirement of requires) {
    if (satisfies(view.agent.packages[requirement.package]?.hasVersion, requirement.range)) continue;
    const unmet = classify(requirement, view);
    if (unmet.blocking && satisfies(view.sameSet?.[requirement.package]?.version, requirement.range)) continue;
    return `requirement not met: ${unmet.reason}`;
  }
  return undefined;
}

function classify(requirement: PackageRequirement, view: RequirementView): UnmetRequirement {
  const { package: name, range } = requirement;
  const has = view.agent.packages[name];
  const needs = `needs ${name} ${range}, has ${has?.hasVersion ?? 'none'}${has !== undefined && has.state !== 'Installed' ? ` (${has.state})` : ''}`;
  const offered = view.sameSet?.[name];
  if (offered === undefined || !satisfies(offered.version, range)) return { reason: needs, blocking: true };
  const failure = view.failures?.get(name)?.get(view.index) ?? reportedFailure(view.agent, name, offered.hash);
  if (failure !== undefined) return { reason: `${name} ${offered.version} ${failure}; ${needs}`, blocking: false };
  return { reason: `waiting for ${name} ${offered.version} to be installed; ${needs}`, blocking: true };
}

/** The agent's own report that installing `hash` failed (whichever policy offered it). */
function reportedFailure(agent: AgentObservation, name: string, hash: string): string | undefined {
  const has = agent.packages[name];
  if (has?.state !== 'InstallFailed' || has.offeredHash !== hash) return undefined;
  return `install failed: ${has.error ?? 'no error reported'}`;
}

// semver.satisfies returns false (never throws) for an invalid version or range.
function satisfies(version: string | undefined, range: string): boolean {
  return version !== undefined && semver.satisfies(version, range);
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
