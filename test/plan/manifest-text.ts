/** Small manifest texts for in-process plan tests, validated by the real loader. */
import { expect } from 'vitest';
import { loadManifests, type ManifestSet } from '../../src/manifests/load.ts';

const SIG = Buffer.alloc(64, 7).toString('base64');

/** A release of `otelcol-custom` for linux amd64 and arm64 (signed unless told otherwise). */
export function releaseYaml(version: string, options: { unsigned?: boolean; archs?: string[]; digestSeed?: string } = {}): string {
  const archs = options.archs ?? ['amd64', 'arm64'];
  const artifacts = archs.map((arch) => {
    const digest = Buffer.from(`${version}/${arch}/${options.digestSeed ?? ''}`).toString('hex').padEnd(64, '0').slice(0, 64);
    return `
    - os: linux
      arch: ${arch}
      url: packages/otelcol-custom/${version}/linux-${arch}/otelcol-custom
      sha256: ${digest}${options.unsigned ? '' : `\n      signature: ${SIG}`}`;
  }).join('');
  return `apiVersion: ringmaster.dev/v1alpha1
kind: PackageRelease
metadata: {name: otelcol-custom-${version}}
spec:
  package: otelcol-custom
  type: TopLevel
  version: ${version}
  artifacts:${artifacts}
`;
}

/** A policy over `service.name=otelcol-custom`; `rings` and `extra` are YAML fragments. */
export function policyYaml(version: string, options: { name?: string; rings?: string; extra?: string; selector?: string } = {}): string {
  const rings = options.rings ?? `
    - {name: canary, selector: {matchLabels: {canary: "true"}}, bake: 30m}
    - {name: everyone, bake: 1h}`;
  return `apiVersion: ringmaster.dev/v1alpha1
kind: RolloutPolicy
metadata: {name: ${options.name ?? 'otelcol-custom'}}
spec:
  release: otelcol-custom-${version}
  selector: {matchLabels: ${options.selector ?? '{service.name: otelcol-custom}'}}
  rings:${rings}
${options.extra ?? ''}`;
}

/** Loads the texts and insists they are valid (a test about plans must not plan errors by accident). */
export function load(files: Record<string, string>, allowErrors = false): ManifestSet {
  const set = loadManifests(Object.entries(files).map(([path, content]) => ({ path, content })));
  if (!allowErrors) expect(set.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return set;
}
