/**
 * Rules across objects: unique names per kind, policies that point at a release that
 * exists and is valid, and no two policies governing the same package for the same agents.
 */
import type { Candidate } from './candidate.ts';
import type { ObjectIssue } from './issue.ts';
import { selectorsCertainlyOverlap } from './check-selector.ts';
import type { PackageRelease, RolloutPolicy } from './types.ts';

/** A cross-object problem, reported against `target`. */
export interface SetIssue {
  target: Candidate;
  issue: ObjectIssue;
}

/** Duplicate names: every object after the first of its kind and name is refused. */
export function checkDuplicateNames(candidates: readonly Candidate[]): SetIssue[] {
  const first = new Map<string, Candidate>();
  const issues: SetIssue[] = [];
  for (const candidate of candidates) {
    if (candidate.name === undefined) continue;
    const key = `${candidate.kind}/${candidate.name}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, candidate);
      continue;
    }
    const at = earlier.locate('/metadata/name');
    issues.push({
      target: candidate,
      issue: {
        code: 'E_DUPLICATE_NAME',
        message: `${candidate.kind} "${candidate.name}" is already defined at ${at.file}:${at.line}:${at.column}; names must be unique per kind`,
        pointer: '/metadata/name',
      },
    });
  }
  return issues;
}

/**
 * Every policy must target a release that exists; a policy whose release exists but has
 * errors is refused too, so that every returned policy has its release in the set.
 */
export function checkReleaseReferences(policies: readonly Candidate[], releases: readonly Candidate[]): SetIssue[] {
  const byName = new Map(releases.map((r) => [r.name, r]));
  return policies.flatMap((target): SetIssue[] => {
    const wanted = (target.value as RolloutPolicy).spec.release;
    const release = byName.get(wanted);
    if (!release) {
      const known = [...byName.keys()].filter((n) => n !== undefined).sort();
      const hint = known.length > 0 ? `known releases: ${known.slice(0, 10).join(', ')}` : 'there is no PackageRelease at all';
      return [{ target, issue: { code: 'E_RELEASE_NOT_FOUND' as const, message: `spec.release: no PackageRelease named "${wanted}"; add it or fix the name (${hint})`, pointer: '/spec/release' } }];
    }
    if (!release.failed) return [];
    const at = release.locate('');
    return [{ target, issue: { code: 'E_RELEASE_INVALID' as const, message: `spec.release: PackageRelease "${wanted}" (${at.file}:${at.line}:${at.column}) has errors; fix them first`, pointer: '/spec/release' } }];
  });
}

/**
 * Two policies for the same package whose selectors certainly overlap would fight over the
 * same agents: the later one (in input order) is refused.
 */
export function checkPolicyOverlap(policies: readonly Candidate[], releases: readonly Candidate[]): SetIssue[] {
  const packageOf = new Map(releases.map((r) => [r.name, (r.value as PackageRelease).spec.package]));
  const issues: SetIssue[] = [];
  policies.forEach((target, i) => {
    const spec = (target.value as RolloutPolicy).spec;
    const pkg = packageOf.get(spec.release);
    if (pkg === undefined) return;
    const rival = policies.slice(0, i).find((earlier) => {
      const other = (earlier.value as RolloutPolicy).spec;
      return packageOf.get(other.release) === pkg && selectorsCertainlyOverlap(spec.selector, other.selector);
    });
    if (!rival) return;
    const at = rival.locate('');
    issues.push({
      target,
      issue: {
        code: 'E_POLICY_OVERLAP',
        message: `RolloutPolicy "${rival.name}" (${at.file}:${at.line}:${at.column}) already governs package "${pkg}" for agents this selector also matches; make the selectors disjoint (e.g. different matchLabels values) or merge the policies`,
        pointer: spec.selector ? '/spec/selector' : '/spec',
        at: 'key',
      },
    });
  });
  return issues;
}
