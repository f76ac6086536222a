import { isMap, isSeq, parseAllDocuments, parseDocument, stringify, type Document, type YAMLMap } from 'yaml';
import { API_VERSION, type Artifact, type PackageRelease } from '../manifests/types.ts';
import { ArtifactInputError } from './errors.ts';
import type { VersionManifest } from './manifest.ts';

/**
 * The `PackageRelease` for a stored version (`ringmaster package push --emit-release`):
 * rendered fresh, or merged into an existing file so a second platform's push adds its
 * artifact without losing the first, nor the file's comments and hand-written fields.
 */

/** `<package>-<version>` made a DNS-1123 subdomain (lowercase; `+`, `_` and others become `-`). */
export function releaseName(packageName: string, version: string): string {
  const name = `${packageName}-${version}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-*\.-*/g, '.')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253);
  return name.replace(/[^a-z0-9]+$/, '');
}

/** Builds the release object for `manifest`: every stored platform, in manifest order. */
export function releaseFromManifest(manifest: VersionManifest): PackageRelease {
  const artifacts: Artifact[] = manifest.files.map((f) => ({
    os: f.os,
    arch: f.arch,
    url: f.path,
    sha256: f.sha256,
    ...(f.signature !== undefined ? { signature: f.signature } : {}),
    size: f.size,
  }));
  return {
    apiVersion: API_VERSION,
    kind: 'PackageRelease',
    metadata: { name: releaseName(manifest.package, manifest.version) },
    spec: {
      package: manifest.package,
      type: manifest.type,
      version: manifest.version,
      artifacts,
      ...(manifest.requires.length > 0 ? { requires: manifest.requires } : {}),
      ...(Object.keys(manifest.metadata).length > 0 ? { metadata: manifest.metadata } : {}),
    },
  };
}

/** Renders a release as a YAML document. */
export function renderRelease(release: PackageRelease): string {
  return stringify(release, { lineWidth: 0 });
}

/**
 * Merges `release` into the YAML text of an existing file that holds the release (or is
 * empty). Artifacts of platforms the store does not know are kept; those it knows are
 * updated in place; comments and unknown fields survive. Throws
 * {@link ArtifactInputError} when the file holds another package or version, or is not
 * a single PackageRelease document.
 */
export function mergeReleaseYaml(existing: string, release: PackageRelease): string {
  if (existing.trim() === '') return renderRelease(release);
  const docs = parseAllDocuments(existing);
  if (!Array.isArray(docs) || docs.length !== 1) {
    throw new ArtifactInputError('the release file must hold exactly one YAML document (a PackageRelease); write the release to a file of its own');
  }
  const doc = parseDocument(existing);
  if (doc.errors.length > 0) throw new ArtifactInputError(`the release file is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  assertSameRelease(doc, release);
  doc.set('apiVersion', release.apiVersion);
  doc.set('kind', release.kind);
  if (!doc.hasIn(['metadata', 'name'])) doc.setIn(['metadata', 'name'], release.metadata.name);
  const spec = release.spec;
  for (const key of ['package', 'type', 'version'] as const) doc.setIn(['spec', key], spec[key]);
  mergeArtifacts(doc, spec.artifacts);
  if (spec.requires) doc.setIn(['spec', 'requires'], doc.createNode(spec.requires));
  if (spec.metadata) doc.setIn(['spec', 'metadata'], doc.createNode(spec.metadata));
  return doc.toString({ lineWidth: 0 });
}

function assertSameRelease(doc: Document, release: PackageRelease): void {
  const kind = doc.get('kind');
  if (kind !== undefined && kind !== 'PackageRelease') {
    throw new ArtifactInputError(`the release file holds a ${String(kind)}, not a PackageRelease`);
  }
  for (const key of ['package', 'version'] as const) {
    const value = doc.getIn(['spec', key]);
    if (value !== undefined && String(value) !== release.spec[key]) {
      throw new ArtifactInputError(`the release file is for ${key} ${String(value)}, not ${release.spec[key]}; a PackageRelease is immutable, emit the new version into a new file`);
    }
  }
}

function mergeArtifacts(doc: Document, artifacts: readonly Artifact[]): void {
  const node = doc.getIn(['spec', 'artifacts']);
  if (!isSeq(node)) {
    doc.setIn(['spec', 'artifacts'], doc.createNode(artifacts));
    return;
  }
  for (const artifact of artifacts) {
    const item = node.items.find((i): i is YAMLMap => isMap(i) && i.get('os') === artifact.os && i.get('arch') === artifact.arch);
    if (!item) {
      node.add(doc.createNode(artifact));
      continue;
    }
    for (const [key, value] of Object.entries(artifact)) item.set(key, value);
  }
}
