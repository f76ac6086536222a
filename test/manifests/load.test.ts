import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/manifests/diagnostic.ts';
import { loadManifests, validateObjects } from '../../src/manifests/load.ts';
import type { ManifestFile } from '../../src/manifests/types.ts';
import { readManifestFiles } from '../../src/sources/files/read-manifest-files.ts';

const validDir = new URL('../fixtures/manifests/valid/', import.meta.url);
const invalidDir = new URL('../fixtures/manifests/invalid/', import.meta.url);
const exampleDir = new URL('../../examples/fleet-repo/', import.meta.url).pathname;

function fixture(dir: URL, name: string, path = name): ManifestFile {
  return { path, content: readFileSync(new URL(name, dir), 'utf8') };
}

describe('valid manifests', () => {
  it.each(readdirSync(validDir))('fixture %s loads without any diagnostic', (name) => {
    const set = loadManifests([fixture(validDir, name)]);
    expect(set.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(set.releases.length + set.policies.length).toBeGreaterThan(0);
  });

  it('the example fleet repository loads clean: 4 releases, 2 policies', async () => {
    const set = loadManifests(await readManifestFiles(exampleDir));
    expect(set.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(set.releases.map((r) => r.metadata.name).sort()).toEqual([
      'geoip-db-2026.11.0',
      'otelcol-custom-1.4.0',
      'otelcol-custom-1.5.0',
      'parsers-config-2.1.0',
    ]);
    expect(set.policies.map((p) => p.metadata.name).sort()).toEqual(['otelcol-custom', 'parsers-config']);
    const collector = set.policies.find((p) => p.metadata.name === 'otelcol-custom');
    expect(collector?.spec.rings.map((r) => r.name)).toEqual(['canary', 'early', 'everyone']);
    expect(collector?.spec.rings[2]?.requireApproval).toBe(true);
  });

  it('returns plain data exactly as written (durations and percents stay strings)', () => {
    const set = loadManifests([fixture(validDir, 'supervisor-top-level-package.yaml')]);
    const prod = set.policies.find((p) => p.metadata.name === 'contrib-prod');
    expect(prod?.spec.rings[1]).toEqual({ name: 'half', percent: 50, bake: '1d12h', maxFailures: '1%' });
    expect(prod?.spec.strategy?.maxConcurrent).toBe(10);
    expect(set.releases[0]?.spec.package).toBe('');
  });
});

describe('locations', () => {
  it('keys objects and their fields by "<Kind>/<name>" and "<Kind>/<name>#<pointer>"', async () => {
    const set = loadManifests(await readManifestFiles(exampleDir));
    const text = readFileSync(`${exampleDir}policies/otelcol-custom.yaml`, 'utf8').split('\n');
    const lineOf = (needle: string): number => text.findIndex((l) => l.startsWith(needle)) + 1;
    expect(set.locations.get('RolloutPolicy/otelcol-custom')).toEqual({ file: 'policies/otelcol-custom.yaml', line: lineOf('apiVersion:'), column: 1 });
    expect(set.locations.get('RolloutPolicy/otelcol-custom#/spec/rings/2')).toEqual({
      file: 'policies/otelcol-custom.yaml',
      line: lineOf('    - name: everyone'),
      column: 7,
    });
    expect(set.locations.get('RolloutPolicy/otelcol-custom#/spec/release')).toEqual({
      file: 'policies/otelcol-custom.yaml',
      line: lineOf('  release:'),
      column: 12,
    });
    expect(set.locations.has('PackageRelease/otelcol-custom-1.4.0')).toBe(true);
  });

  it('holds no entry for objects with errors', () => {
    const set = loadManifests([fixture(invalidDir, 'release-invalid.yaml')]);
    expect([...set.locations.keys()]).toEqual([]);
  });
});

describe('what the loader ignores and keeps', () => {
  const policy = fixture(invalidDir, 'release-not-found.yaml', 'policies/p.yaml');
  const release = fixture(validDir, 'release-and-policy.yaml');
  const releaseOnly = { path: 'releases/r.yaml', content: release.content.split('---\n')[0] ?? '' };

  it('one invalid object never hides the valid objects beside it', () => {
    const broken = fixture(invalidDir, 'sha256-short.yaml', 'releases/broken.yaml');
    const other = { path: 'releases/other.yaml', content: releaseOnly.content.replaceAll('otelcol-custom-1.5.0', 'otelcol-custom-1.6.0') };
    const set = loadManifests([broken, other]);
    expect(set.diagnostics.map((d) => [d.code, d.file])).toEqual([['E_SHA256', 'releases/broken.yaml']]);
    expect(set.releases.map((r) => r.metadata.name)).toEqual(['otelcol-custom-1.6.0']);
  });

  it('resolves a policy against a release in another file', () => {
    const set = loadManifests([policy, releaseOnly]);
    expect(set.diagnostics).toEqual([]);
    expect(set.policies).toHaveLength(1);
  });

  it('skips everything under a status/ directory, but not a file named status.yaml', () => {
    const garbage = 'apiVersion: ringmaster.dev/v1alpha1\nkind: RolloutPolicy\nspec: [\n';
    const set = loadManifests([
      { path: 'status/otelcol-custom.yaml', content: garbage },
      { path: 'teams/a/status/x.yaml', content: garbage },
      { path: 'status.yaml', content: garbage },
    ]);
    expect(set.diagnostics.map((d) => [d.code, d.file])).toEqual([['E_YAML_SYNTAX', 'status.yaml']]);
  });

  it('never expands aliases of documents that are not ours', () => {
    const bomb = readFileSync(new URL('yaml-alias-bomb.yaml', invalidDir), 'utf8').replace('ringmaster.dev/v1alpha1', 'example.com/v1');
    const set = loadManifests([{ path: 'other.yaml', content: bomb }]);
    expect(set.diagnostics).toEqual([]);
  });

  it('keeps the first of two objects with the same name, in file order, and says where it is', () => {
    const second = { ...releaseOnly, path: 'releases/z-copy.yaml' };
    const set = loadManifests([releaseOnly, second]);
    expect(set.releases).toHaveLength(1);
    expect(set.diagnostics).toHaveLength(1);
    expect(set.diagnostics[0]).toMatchObject({ code: 'E_DUPLICATE_NAME', file: 'releases/z-copy.yaml', line: 4, column: 9 });
    expect(set.diagnostics[0]?.message).toContain('releases/r.yaml:4:9');
  });

  it('flags a policy whose selector is a subset of another policy of the same package', () => {
    const narrower = release.content.split('---\n')[1]?.replace('name: otelcol-custom\n', 'name: otelcol-custom-eu\n').replace('service.name: otelcol-custom', 'service.name: otelcol-custom\n      region: eu');
    const set = loadManifests([release, { path: 'eu.yaml', content: narrower ?? '' }]);
    expect(set.diagnostics.map((d) => [d.code, d.file])).toEqual([['E_POLICY_OVERLAP', 'eu.yaml']]);
  });

  it('is deterministic: the same input gives the same output', () => {
    const files = readdirSync(invalidDir).map((name) => fixture(invalidDir, name));
    expect(loadManifests(files)).toEqual(loadManifests(files));
  });
});

describe('validateObjects (objects from the Kubernetes API)', () => {
  const [releaseText, policyText] = readFileSync(new URL('release-and-policy.yaml', validDir), 'utf8').split('---\n');
  const kubeMeta = { uid: '7d2f', resourceVersion: '4711', generation: 3, creationTimestamp: '2026-11-21T09:00:00Z', managedFields: [{ manager: 'kubectl' }] };

  async function objects(): Promise<{ release: Record<string, unknown>; policy: Record<string, unknown> }> {
    const { parse } = await import('yaml');
    const release = parse(releaseText ?? '') as { metadata: object };
    const policy = parse(policyText ?? '') as { metadata: object };
    release.metadata = { ...release.metadata, ...kubeMeta, namespace: 'fleet' };
    policy.metadata = { ...policy.metadata, ...kubeMeta, namespace: 'fleet' };
    return { release, policy: { ...policy, status: { phase: 'Progressing', anything: 'the controller wrote' } } };
  }

  it('accepts server-populated metadata and a status, and ignores other kinds', async () => {
    const { release, policy } = await objects();
    const set = validateObjects([release, policy, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }], 'kube:fleet');
    expect(set.diagnostics).toEqual([]);
    expect(set.policies).toHaveLength(1);
    expect(set.locations.get('RolloutPolicy/otelcol-custom')).toEqual({ file: 'kube:fleet', line: 0, column: 0 });
  });

  it('reports problems against the origin with the JSON pointer', async () => {
    const { release, policy } = await objects();
    const spec = policy['spec'] as { rings: { bake?: string }[] };
    (spec.rings[0] as { bake?: string }).bake = 'soon';
    const set = validateObjects([release, policy], 'kube:fleet');
    expect(set.diagnostics).toEqual([
      expect.objectContaining({ code: 'E_DURATION', file: 'kube:fleet', line: 0, column: 0, pointer: '/spec/rings/0/bake' }),
    ]);
    expect(formatDiagnostic(set.diagnostics[0]!)).toMatch(/^kube:fleet: error E_DURATION .* \(at \/spec\/rings\/0\/bake\)$/);
    expect(set.policies).toEqual([]);
    expect(set.releases).toHaveLength(1);
  });
});
