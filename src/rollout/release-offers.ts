/**
 * What a release offers, per platform: the `OfferedPackage` entry (with its package hash)
 * an agent of that os/arch receives. Built once per release per plan and shared by every
 * agent of that platform, so a 100,000-agent plan hashes a handful of packages, not one
 * per agent.
 */
import type { PackageRelease } from '../manifests/types.ts';
import { packageHash } from './package-hash.ts';
import type { OfferedFile, OfferedPackage } from './types.ts';

/** A release's offer entries keyed by `os/arch`. */
export interface ReleaseOffers {
  release: PackageRelease;
  byPlatform: ReadonlyMap<string, OfferedPackage>;
  /** The same entries as os → arch → entry: looked up per agent without building a key string. */
  byOs: ReadonlyMap<string, ReadonlyMap<string, OfferedPackage>>;
}

/** The key `os/arch` used by {@link ReleaseOffers.byPlatform}. */
export function platformKey(platform: { os: string; arch: string }): string {
  return `${platform.os}/${platform.arch}`;
}

/** Builds the per-platform offer entries of `release` (first artifact wins on duplicates). */
export function buildReleaseOffers(release: PackageRelease): ReleaseOffers {
  const byPlatform = new Map<string, OfferedPackage>();
  const byOs = new Map<string, Map<string, OfferedPackage>>();
  const { package: name, type, version } = release.spec;
  for (const artifact of release.spec.artifacts) {
    const key = platformKey(artifact);
    if (byPlatform.has(key)) continue;
    const file: OfferedFile = { url: artifact.url, sha256: artifact.sha256 };
    if (artifact.signature !== undefined) file.signature = artifact.signature;
    if (artifact.size !== undefined) file.size = artifact.size;
    const entry: OfferedPackage = { type, version, hash: packageHash(name, { type, version, file }), file, release: release.metadata.name };
    byPlatform.set(key, entry);
    const arches = byOs.get(artifact.os) ?? new Map<string, OfferedPackage>();
    byOs.set(artifact.os, arches.set(artifact.arch, entry));
  }
  return { release, byPlatform, byOs };
}

/** The entry for an agent's platform, or undefined when it has none (or reports none). */
export function offerFor(offers: ReleaseOffers | undefined, platform: { os: string; arch: string } | undefined): OfferedPackage | undefined {
  if (offers === undefined || platform === undefined) return undefined;
  return offers.byOs.get(platform.os)?.get(platform.arch);
}
