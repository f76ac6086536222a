import semver from 'semver';
import type { PackageRequirement, PackageType } from '../manifests/types.ts';
import { ArtifactConflictError, ArtifactInputError } from './errors.ts';
import { MANIFEST_SCHEMA, sameJson, sameRequirements, type ManifestFileEntry, type VersionManifest } from './manifest.ts';
import { assertFileCoordinates, assertPackageName, downloadPath, type FileCoordinates } from './names.ts';
import { decodeSignature } from './signing.ts';

/**
 * What a pusher says about an upload, and the pure decision of what the version's
 * manifest becomes — the immutability rules live here, in one place.
 */

/** Everything known about an upload besides its bytes. */
export interface PutMeta extends FileCoordinates {
  /** Version-level; defaults to `TopLevel` on the first push, must match afterwards. */
  type?: PackageType;
  /** Base64 Ed25519 signature (docs/security.md). */
  signature?: string;
  /** Version-level free data (the builder's component list); must match once set. */
  metadata?: Record<string, unknown>;
  /** Version-level dependencies; must match once set. */
  requires?: PackageRequirement[];
  /** Lowercase hex SHA-256 the client computed; the upload is refused if the bytes differ. */
  expectedSha256?: string;
}

/** Throws {@link ArtifactInputError} on the first invalid field of `meta`. */
export function assertPutMeta(meta: PutMeta): void {
  assertFileCoordinates(meta);
  if (meta.type !== undefined && meta.type !== 'TopLevel' && meta.type !== 'Addon') {
    throw new ArtifactInputError(`type ${JSON.stringify(meta.type)} is invalid: use TopLevel or Addon`);
  }
  if (meta.signature !== undefined && !decodeSignature(meta.signature)) {
    throw new ArtifactInputError('signature is not the base64 of a 64-byte Ed25519 signature (as printed by `ringmaster package push --sign-key`)');
  }
  if (meta.expectedSha256 !== undefined && !/^[0-9a-f]{64}$/.test(meta.expectedSha256)) {
    throw new ArtifactInputError(`expected SHA-256 ${JSON.stringify(meta.expectedSha256)} is not 64 lowercase hex digits`);
  }
  if (meta.metadata !== undefined && (typeof meta.metadata !== 'object' || meta.metadata === null || Array.isArray(meta.metadata))) {
    throw new ArtifactInputError('metadata must be a JSON object');
  }
  for (const r of meta.requires ?? []) assertRequirement(r);
}

/** Parses `pkg@range` (as given to `--requires`) into a requirement; throws {@link ArtifactInputError}. */
export function parseRequirement(text: string): PackageRequirement {
  const at = text.indexOf('@');
  if (at <= 0 || at === text.length - 1) {
    throw new ArtifactInputError(`requirement ${JSON.stringify(text)} is invalid: write package@range, e.g. otelcol-custom@>=1.5.0`);
  }
  const requirement = { package: text.slice(0, at), range: text.slice(at + 1).trim() };
  assertRequirement(requirement);
  return requirement;
}

function assertRequirement(r: PackageRequirement): void {
  assertPackageName(r.package);
  if (semver.validRange(r.range) === null) {
    throw new ArtifactInputError(`requirement range ${JSON.stringify(r.range)} for ${r.package} is not a semver range such as >=1.5.0 or ^2.0.0`);
  }
}

/** The result of merging an upload into a version's manifest. */
export type ManifestMerge =
  | { kind: 'unchanged'; entry: ManifestFileEntry }
  | { kind: 'added'; entry: ManifestFileEntry; manifest: VersionManifest };

/**
 * Decides what `existing` becomes once the uploaded file (`sha256`, `size`) is added.
 * Pure. Throws {@link ArtifactConflictError} when the upload would change anything
 * already recorded: the platform's file, name or signature, or the version's type,
 * requirements or metadata. Identical content is `unchanged` (a re-push is a no-op).
 */
export function mergeUpload(existing: VersionManifest | undefined, meta: PutMeta, file: { sha256: string; size: number }, now: string): ManifestMerge {
  const base = existing ?? emptyManifest(meta, now);
  assertVersionFieldsMatch(base, meta, existing !== undefined);
  const current = base.files.find((f) => f.os === meta.os && f.arch === meta.arch);
  if (current) return { kind: 'unchanged', entry: assertSameFile(current, meta, file) };
  const entry: ManifestFileEntry = {
    os: meta.os,
    arch: meta.arch,
    name: meta.fileName,
    size: file.size,
    sha256: file.sha256,
    ...(meta.signature !== undefined ? { signature: meta.signature } : {}),
    createdAt: now,
    path: downloadPath(meta),
  };
  const files = [...base.files, entry].sort((a, b) => a.os.localeCompare(b.os) || a.arch.localeCompare(b.arch));
  return {
    kind: 'added',
    entry,
    manifest: { ...base, type: meta.type ?? base.type, requires: meta.requires ?? base.requires, metadata: meta.metadata ?? base.metadata, files },
  };
}

function emptyManifest(meta: PutMeta, now: string): VersionManifest {
  return { schema: MANIFEST_SCHEMA, package: meta.package, version: meta.version, type: 'TopLevel', requires: [], metadata: {}, createdAt: now, files: [] };
}

function assertVersionFieldsMatch(m: VersionManifest, meta: PutMeta, recorded: boolean): void {
  if (!recorded) return;
  const where = `${m.package} ${m.version}`;
  if (meta.type !== undefined && meta.type !== m.type) {
    throw new ArtifactConflictError(`${where} is recorded as type ${m.type}, not ${meta.type}; versions are immutable, push a new version`);
  }
  if (meta.requires !== undefined && !sameRequirements(meta.requires, m.requires)) {
    throw new ArtifactConflictError(`${where} already records different requirements; versions are immutable, push a new version`);
  }
  if (meta.metadata !== undefined && Object.keys(m.metadata).length > 0 && !sameJson(meta.metadata, m.metadata)) {
    throw new ArtifactConflictError(`${where} already records different metadata; versions are immutable, push a new version`);
  }
}

function assertSameFile(current: ManifestFileEntry, meta: PutMeta, file: { sha256: string }): ManifestFileEntry {
  const where = `${meta.package} ${meta.version} ${meta.os}/${meta.arch}`;
  if (current.sha256 !== file.sha256) {
    throw new ArtifactConflictError(`${where} already holds different content (sha256 ${current.sha256}); versions are immutable, push a new version`);
  }
  if (current.name !== meta.fileName) {
    throw new ArtifactConflictError(`${where} is already stored as ${current.name}, not ${meta.fileName}`);
  }
  if (meta.signature !== undefined && meta.signature !== current.signature) {
    throw new ArtifactConflictError(`${where} is already stored with ${current.signature ? 'a different signature' : 'no signature'}; versions are immutable, push a new version`);
  }
  return current;
}
