/**
 * Rules for one schema-valid PackageRelease that a JSON Schema cannot express: the semver
 * library's own parse, unique platforms, safe store paths, signatures.
 */
import semver from 'semver';
import type { ObjectIssue } from './issue.ts';
import type { Artifact, PackageRelease } from './types.ts';

/** Semantic checks of one release that already passed its schema. */
export function checkRelease(release: PackageRelease): ObjectIssue[] {
  const { spec } = release;
  const issues: ObjectIssue[] = [];
  if (semver.valid(spec.version) !== spec.version) {
    issues.push({ code: 'E_SEMVER', message: `spec.version: "${spec.version}" is not a semantic version such as 1.5.0`, pointer: '/spec/version' });
  }
  spec.requires?.forEach((requirement, i) => {
    if (semver.validRange(requirement.range) === null) {
      issues.push({
        code: 'E_SEMVER',
        message: `spec.requires[${i}].range: "${requirement.range}" is not a semver range; write it like ">=1.5.0" or "^1.5.0 || ^2.0.0"`,
        pointer: `/spec/requires/${i}/range`,
      });
    }
  });
  issues.push(...checkPlatforms(spec.artifacts), ...checkUrls(spec.artifacts), ...checkSignatures(spec.artifacts));
  return issues;
}

function checkPlatforms(artifacts: readonly Artifact[]): ObjectIssue[] {
  const seen = new Map<string, number>();
  const issues: ObjectIssue[] = [];
  artifacts.forEach((artifact, i) => {
    const platform = `${artifact.os}/${artifact.arch}`;
    const first = seen.get(platform);
    if (first === undefined) seen.set(platform, i);
    else {
      issues.push({
        code: 'E_DUPLICATE_PLATFORM',
        message: `spec.artifacts[${i}]: platform ${platform} already has an artifact (spec.artifacts[${first}]); keep one artifact per os/arch`,
        pointer: `/spec/artifacts/${i}`,
      });
    }
  });
  return issues;
}

function checkUrls(artifacts: readonly Artifact[]): ObjectIssue[] {
  const issues: ObjectIssue[] = [];
  artifacts.forEach((artifact, i) => {
    const problem = urlProblem(artifact.url);
    if (problem) issues.push({ code: 'E_URL', message: `spec.artifacts[${i}].url: ${problem}`, pointer: `/spec/artifacts/${i}/url` });
  });
  return issues;
}

/**
 * Why `url` is unusable, or undefined. Absolute URLs must be http(s); anything else is a
 * path inside Ringmaster's artifact store and may not climb out of it.
 */
export function urlProblem(url: string): string | undefined {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) {
    if (!URL.canParse(url)) return `"${url}" is not a valid URL`;
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:'
      ? undefined
      : `scheme "${protocol}" is not supported; use https://, http://, or a path in the artifact store such as packages/<package>/<version>/<os>-<arch>/<file>`;
  }
  const segments = url.split('/');
  const unsafe = url.startsWith('/') || url.includes('\\') || /[?#\s]/.test(url) || segments.some((s) => s === '' || s === '.' || s === '..');
  return unsafe
    ? `"${url}" is neither an http(s) URL nor a clean relative store path; write packages/<package>/<version>/<os>-<arch>/<file> (no leading "/", no "." or ".." segments)`
    : undefined;
}

function checkSignatures(artifacts: readonly Artifact[]): ObjectIssue[] {
  const unsigned = artifacts.flatMap((a, i) => (a.signature === undefined ? [i] : []));
  const first = unsigned[0];
  if (first === undefined) return [];
  const platforms = unsigned.map((i) => `${artifacts[i]?.os}/${artifacts[i]?.arch}`).join(', ');
  return [
    {
      code: 'W_UNSIGNED_RELEASE',
      message: `artifacts without signature: ${platforms}; agents that require signatures will refuse them (sign with "ringmaster package push" or add "signature")`,
      pointer: `/spec/artifacts/${first}`,
    },
  ];
}
