import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ArtifactInputError } from '../../src/artifacts/errors.ts';
import type { VersionManifest } from '../../src/artifacts/manifest.ts';
import { mergeReleaseYaml, releaseFromManifest, releaseName, renderRelease } from '../../src/artifacts/release-yaml.ts';

const manifest: VersionManifest = {
  schema: 'ringmaster.dev/package-manifest/v1',
  package: 'otelcol-acme',
  version: '1.5.0',
  type: 'Addon',
  requires: [],
  metadata: {},
  createdAt: '2026-11-21T09:00:00.000Z',
  files: [{ os: 'linux', arch: 'amd64', name: 'f', size: 3, sha256: 'a'.repeat(64), signature: 'sig', createdAt: '2026-11-21T09:00:00.000Z', path: 'packages/otelcol-acme/1.5.0/linux-amd64/f' }],
};

describe('releaseName', () => {
  it.each([
    ['otelcol-acme', '1.5.0', 'otelcol-acme-1.5.0'],
    ['OtelCol_Acme', '2.0.0-RC.1', 'otelcol-acme-2.0.0-rc.1'],
    ['acme', '1.0.0+build.7', 'acme-1.0.0-build.7'],
    ['-acme.', '1.0.0', 'acme.1.0.0'],
  ])('%s %s → %s (a DNS-1123 subdomain)', (pkg, version, want) => {
    const name = releaseName(pkg, version);
    expect(name).toBe(want);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
  });
});

describe('releaseFromManifest', () => {
  it('leaves out empty requires and metadata, keeps signature and size', () => {
    const release = releaseFromManifest(manifest);
    expect(release.spec).toEqual({
      package: 'otelcol-acme', type: 'Addon', version: '1.5.0',
      artifacts: [{ os: 'linux', arch: 'amd64', url: 'packages/otelcol-acme/1.5.0/linux-amd64/f', sha256: 'a'.repeat(64), signature: 'sig', size: 3 }],
    });
    expect(parse(renderRelease(release))).toEqual(release);
  });
});

describe('mergeReleaseYaml', () => {
  const release = releaseFromManifest(manifest);

  it('renders fresh into an empty file', () => {
    expect(parse(mergeReleaseYaml('', release))).toEqual(release);
  });

  it('updates a known platform in place and keeps its comment and extra fields', () => {
    const existing = [
      'apiVersion: ringmaster.dev/v1alpha1',
      'kind: PackageRelease',
      'metadata: {name: custom-name}',
      'spec:',
      '  package: otelcol-acme',
      '  version: 1.5.0',
      '  artifacts:',
      '    - os: linux  # the main one',
      '      arch: amd64',
      '      url: old',
      '      sha256: ' + 'b'.repeat(64),
      '',
    ].join('\n');
    const merged = mergeReleaseYaml(existing, release);
    expect(merged).toContain('# the main one');
    const value = parse(merged);
    expect(value.metadata.name).toBe('custom-name');
    expect(value.spec.type).toBe('Addon');
    expect(value.spec.artifacts).toEqual(release.spec.artifacts);
  });

  it.each([
    ['another version', 'kind: PackageRelease\nspec: {package: otelcol-acme, version: 1.4.0}\n', /is for version 1.4.0, not 1.5.0/],
    ['another package', 'kind: PackageRelease\nspec: {package: other, version: 1.5.0}\n', /is for package other/],
    ['another kind', 'kind: RolloutPolicy\n', /holds a RolloutPolicy/],
    ['two documents', 'kind: PackageRelease\n---\nkind: PackageRelease\n', /exactly one YAML document/],
    ['broken YAML', 'spec: [unclosed\n', /not valid YAML/],
  ])('refuses a file with %s', (_name, existing, message) => {
    expect(() => mergeReleaseYaml(existing, release)).toThrow(ArtifactInputError);
    expect(() => mergeReleaseYaml(existing, release)).toThrow(message);
  });
});
