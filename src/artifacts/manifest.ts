import type { PackageRequirement, PackageType } from '../manifests/types.ts';
import { ArtifactCorruptError } from './errors.ts';

/**
 * `manifest.json`: the per-version record the store writes next to the platform
 * directories. It is the commit point of an upload — a file is visible (listed, served)
 * only once the manifest names it — and it carries everything `--emit-release` needs.
 */

/** Format marker written into every manifest; bump on an incompatible change. */
export const MANIFEST_SCHEMA = 'ringmaster.dev/package-manifest/v1';

/** One platform's file of a version. */
export interface ManifestFileEntry {
  os: string;
  arch: string;
  /** File name inside `<os>-<arch>/`. */
  name: string;
  size: number;
  /** Lowercase hex SHA-256. */
  sha256: string;
  /** Base64 Ed25519 signature (docs/security.md), when the pusher signed it. */
  signature?: string;
  /** RFC 3339 UTC time the file was first stored. */
  createdAt: string;
  /** Download path relative to the server root: `packages/<package>/<version>/<os>-<arch>/<file>`. */
  path: string;
}

/** The manifest of one version. `files` is sorted by `os`, then `arch`. */
export interface VersionManifest {
  schema: typeof MANIFEST_SCHEMA;
  package: string;
  version: string;
  type: PackageType;
  requires: PackageRequirement[];
  metadata: Record<string, unknown>;
  createdAt: string;
  files: ManifestFileEntry[];
}

/** `/packages/index.json`: every version of every package, newest version first. */
export interface PackageIndex {
  schema: 'ringmaster.dev/package-index/v1';
  packages: { package: string; versions: VersionManifest[] }[];
}

/** Serializes a manifest deterministically (stable key order, 2-space indent, final newline). */
export function serializeManifest(m: VersionManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

/**
 * Parses a stored manifest. Throws {@link ArtifactCorruptError} when the text is not a
 * manifest of this schema: stored data is ours, so a bad one means tampering or damage.
 */
export function parseManifest(text: string, where: string): VersionManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ArtifactCorruptError(`${where}: not JSON (${(err as Error).message})`);
  }
  if (!isManifest(value)) throw new ArtifactCorruptError(`${where}: not a ${MANIFEST_SCHEMA} manifest`);
  return value;
}

function isManifest(v: unknown): v is VersionManifest {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return (
    m['schema'] === MANIFEST_SCHEMA &&
    typeof m['package'] === 'string' &&
    typeof m['version'] === 'string' &&
    (m['type'] === 'TopLevel' || m['type'] === 'Addon') &&
    Array.isArray(m['requires']) &&
    typeof m['metadata'] === 'object' && m['metadata'] !== null &&
    Array.isArray(m['files']) &&
    m['files'].every(isFileEntry)
  );
}

function isFileEntry(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Record<string, unknown>;
  return ['os', 'arch', 'name', 'sha256', 'createdAt', 'path'].every((k) => typeof f[k] === 'string') && typeof f['size'] === 'number';
}

/** Compares two requirement lists regardless of order. */
export function sameRequirements(a: readonly PackageRequirement[], b: readonly PackageRequirement[]): boolean {
  const key = (list: readonly PackageRequirement[]): string => list.map((r) => `${r.package}@${r.range}`).sort().join('\n');
  return key(a) === key(b);
}

/** Compares two JSON values structurally, ignoring object key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
}
