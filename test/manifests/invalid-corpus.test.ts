/**
 * The invalid corpus: every fixture under test/fixtures/manifests/invalid is loaded on its
 * own and must produce exactly the listed diagnostics (code, file, line, column). Positions
 * were worked out by hand from the fixture text, not copied from the loader's output.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, formatDiagnostic } from '../../src/manifests/diagnostic.ts';
import { loadManifests } from '../../src/manifests/load.ts';

const dir = new URL('../fixtures/manifests/invalid/', import.meta.url);

type Expected = [code: keyof typeof DIAGNOSTIC_CODES, line: number, column: number];

const corpus: Record<string, Expected[]> = {
  // The parser finds the quote unclosed only at the end of the file.
  'yaml-unterminated-quote': [['E_YAML_SYNTAX', 15, 1]],
  'yaml-tab-indentation': [['E_YAML_SYNTAX', 7, 1]],
  'yaml-duplicate-key': [['E_YAML_DUPLICATE_KEY', 8, 3]],
  'yaml-alias-bomb': [['E_YAML_ALIAS_LIMIT', 1, 1]],
  'yaml-unresolved-alias': [['E_YAML_SYNTAX', 7, 9]],
  'too-many-documents': [['E_TOO_MANY_DOCUMENTS', 1, 1]],
  'schema-missing-spec': [['E_SCHEMA', 1, 1]],
  'schema-missing-release': [['E_SCHEMA', 5, 1]],
  'schema-unknown-field': [['E_SCHEMA', 32, 7]],
  'schema-wrong-type': [['E_SCHEMA', 32, 24]],
  'schema-bad-enum': [['E_SCHEMA', 7, 9]],
  'schema-spec-not-mapping': [['E_SCHEMA', 5, 7]],
  'schema-unquoted-label-value': [['E_SCHEMA', 29, 19]],
  'schema-missing-sha256': [['E_SCHEMA', 10, 7]],
  'schema-empty-artifacts': [['E_SCHEMA', 9, 14]],
  'schema-window-time': [['E_SCHEMA', 34, 14]],
  'name-invalid': [['E_NAME', 4, 9]],
  'duplicate-name': [['E_DUPLICATE_NAME', 19, 9]],
  'release-not-found': [['E_RELEASE_NOT_FOUND', 6, 12]],
  'release-invalid': [
    ['E_SHA256', 13, 15],
    ['E_RELEASE_INVALID', 21, 12],
  ],
  'duplicate-platform': [['E_DUPLICATE_PLATFORM', 15, 7]],
  'semver-four-parts': [['E_SEMVER', 8, 12]],
  'semver-unquoted-number': [['E_SEMVER', 8, 12]],
  'semver-leading-v': [['E_SEMVER', 8, 12]],
  'semver-requires-range': [['E_SEMVER', 17, 14]],
  'sha256-short': [['E_SHA256', 13, 15]],
  'sha256-uppercase': [['E_SHA256', 13, 15]],
  'signature-not-base64': [['E_SIGNATURE', 14, 18]],
  'url-unsupported-scheme': [['E_URL', 12, 12]],
  'url-path-traversal': [['E_URL', 12, 12]],
  'duration-unknown-unit': [['E_DURATION', 30, 13]],
  'duration-bare-number': [['E_DURATION', 30, 13]],
  'duration-too-long': [['E_DURATION', 30, 13]],
  'percent-over-100': [['E_PERCENT', 32, 16]],
  'max-failures-over-100-percent': [['E_PERCENT', 32, 20]],
  'max-failures-negative': [['E_PERCENT', 32, 20]],
  'max-failures-fraction': [['E_PERCENT', 32, 20]],
  'duplicate-ring': [['E_DUPLICATE_RING', 31, 13]],
  'no-rings': [['E_NO_RINGS', 25, 10]],
  'policy-overlap-identical': [['E_POLICY_OVERLAP', 40, 3]],
  'policy-overlap-empty-selector': [['E_POLICY_OVERLAP', 38, 1]],
  'selector-in-without-values': [['E_SELECTOR', 29, 13]],
  'selector-exists-with-values': [['E_SELECTOR', 29, 53]],
  'time-zone-unknown': [['E_TIME_ZONE', 36, 17]],
  'warn-unreachable-ring': [['W_UNREACHABLE_RING', 33, 7]],
  'warn-unsigned-release': [['W_UNSIGNED_RELEASE', 10, 7]],
  'warn-unknown-approval': [['W_UNKNOWN_APPROVAL', 33, 25]],
  'warn-unknown-kind': [['W_UNKNOWN_KIND', 1, 1]],
  'warn-unknown-version': [['W_UNKNOWN_KIND', 1, 1]],
};

function load(name: string) {
  const path = `${name}.yaml`;
  return { path, set: loadManifests([{ path, content: readFileSync(new URL(path, dir), 'utf8') }]) };
}

describe('invalid manifest corpus', () => {
  it('has a table entry for every fixture file and at least 30 fixtures', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length));
    expect(files.sort()).toEqual(Object.keys(corpus).sort());
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(Object.entries(corpus))('%s', (name, expected) => {
    const { path, set } = load(name);
    const got = set.diagnostics.map((d) => [d.code, d.file, d.line, d.column]);
    expect(got).toEqual(expected.map(([code, line, column]) => [code, path, line, column]));
    for (const d of set.diagnostics) {
      expect(d.severity).toBe(DIAGNOSTIC_CODES[d.code as keyof typeof DIAGNOSTIC_CODES]);
      expect(d.message.length).toBeGreaterThan(20);
      expect(formatDiagnostic(d)).toBe(`${path}:${d.line}:${d.column}: ${d.severity} ${d.code} ${d.message}`);
    }
  });

  it('leaves every object with an error out of the result, and keeps the others', () => {
    const { set } = load('release-invalid');
    expect(set.releases).toEqual([]);
    expect(set.policies).toEqual([]);
    const warned = load('warn-unsigned-release').set;
    expect(warned.releases.map((r) => r.metadata.name)).toEqual(['otelcol-custom-1.5.0']);
    const overlap = load('policy-overlap-identical').set;
    expect(overlap.policies.map((p) => p.metadata.name)).toEqual(['otelcol-custom']);
    expect(overlap.releases).toHaveLength(1);
  });
});
