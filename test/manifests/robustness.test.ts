/**
 * Property tests: whatever the input, the loader returns diagnostics and never throws, and
 * every diagnostic points inside the file it names.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadManifests, validateObjects } from '../../src/manifests/load.ts';

const policy = readFileSync(new URL('../../examples/fleet-repo/policies/otelcol-custom.yaml', import.meta.url), 'utf8');
const release = readFileSync(new URL('../../examples/fleet-repo/releases/otelcol-custom-1.5.0.yaml', import.meta.url), 'utf8');
const lines = `${release}---\n${policy}`.split('\n');

function assertLocated(content: string): void {
  const set = loadManifests([{ path: 'f.yaml', content }]);
  const lineCount = content.split('\n').length;
  for (const d of set.diagnostics) {
    expect(d.file).toBe('f.yaml');
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lineCount);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.code).toMatch(/^[EW]_[A-Z0-9_]+$/);
  }
}

describe('the loader never throws', () => {
  it('on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), assertLocated), { numRuns: 300 });
  });

  it('on a real manifest with one line replaced by arbitrary text', () => {
    const line = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('  - [', '  ]]', '  &a *a', '\t', '---', '...', ': :', '  rings: 5'));
    fc.assert(
      fc.property(fc.nat(lines.length - 1), line, (index, text) => {
        const mutated = [...lines];
        mutated[index] = text;
        assertLocated(mutated.join('\n'));
      }),
      { numRuns: 300 },
    );
  });

  it('on API objects with arbitrary values in the spec', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), fc.constantFrom('PackageRelease', 'RolloutPolicy'), (spec, kind) => {
        const set = validateObjects([{ apiVersion: 'ringmaster.dev/v1alpha1', kind, metadata: { name: 'x' }, spec }], 'kube');
        expect(set.diagnostics.length + set.releases.length + set.policies.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
