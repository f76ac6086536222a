import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findExcessiveFlowDepth } from '../../src/manifests/flow-depth.ts';
import { DEFAULT_MANIFEST_LIMITS, utf8ByteLength } from '../../src/manifests/limits.ts';
import { loadManifests } from '../../src/manifests/load.ts';

const RELEASE = `apiVersion: ringmaster.dev/v1alpha1
kind: PackageRelease
metadata:
  name: NAME
spec:
  package: otelcol-custom
  type: TopLevel
  version: 1.5.0
  artifacts:
    - os: linux
      arch: amd64
      url: packages/otelcol-custom/1.5.0/linux-amd64/otelcol-custom
      sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
      signature: lOlQ7aSocOZWXUThS5DxbAo4HNaTBFKcgfa9QIrxPFFVFrhBfgBfwxCT+qSxPekkNkVt0lKJqyhnw6V2+pSESQ==
`;
const release = (name: string): string => RELEASE.replace('NAME', name);
const codes = (content: string, limits = {}): string[] =>
  loadManifests([{ path: 'f.yaml', content }], limits).diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`);

describe('size limits', () => {
  it('refuses a 100 MB file before parsing it', () => {
    const huge = release('a') + `    x: ${'a'.repeat(100 * 1024 * 1024)}\n`;
    expect(codes(huge)).toEqual(['E_FILE_TOO_LARGE@1:1']);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const text = release('a') + `  # ${'é'.repeat(600)}\n`;
    expect(codes(text, { maxFileBytes: 1000 })).toEqual(['E_FILE_TOO_LARGE@1:1']);
    expect(codes(text, { maxFileBytes: 2000 })).toEqual([]);
  });

  it('refuses an oversized document and keeps the small one beside it', () => {
    const big = release('big').replace('spec:\n', `spec:\n  metadata:\n    blob: ${'x'.repeat(600 * 1024)}\n`);
    const set = loadManifests([{ path: 'f.yaml', content: `${release('small')}---\n${big}` }]);
    expect(set.diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`)).toEqual(['E_DOCUMENT_TOO_LARGE@16:1']);
    expect(set.releases.map((r) => r.metadata.name)).toEqual(['small']);
  });

  it('refuses more documents per file than configured', () => {
    const three = [release('a'), release('b'), release('c')].join('---\n');
    expect(codes(three)).toEqual([]);
    expect(codes(three, { maxDocumentsPerFile: 2 })).toEqual(['E_TOO_MANY_DOCUMENTS@1:1']);
  });

  it('has explicit defaults', () => {
    expect(DEFAULT_MANIFEST_LIMITS).toEqual({
      maxFileBytes: 1024 * 1024,
      maxDocumentBytes: 512 * 1024,
      maxDocumentsPerFile: 64,
      maxAliasCount: 100,
      maxFlowDepth: 64,
      maxFiles: 5000,
      maxTotalBytes: 64 * 1024 * 1024,
    });
  });
});

describe('aliases and nesting', () => {
  const withAlias = release('a').replace('spec:\n', 'spec:\n  metadata:\n    base: &base {a: 1}\n    copy: *base\n');

  it('allows aliases up to maxAliasCount', () => {
    expect(codes(withAlias)).toEqual([]);
    expect(codes(withAlias, { maxAliasCount: 0 })).toEqual(['E_YAML_ALIAS_LIMIT@1:1']);
  });

  it('refuses a billion-laughs document without expanding it', () => {
    // Twelve levels of nine aliases each: 9^12 strings if it were ever expanded.
    const bomb = release('lol').replace(
      'spec:\n',
      `spec:\n  metadata:\n    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']
        .map((name, i) => `    ${name}: &${name} [${Array(9).fill(`*${'abcdefghijkl'[i]}`).join(',')}]\n`)
        .join('')}`,
    );
    expect(codes(bomb)).toEqual(['E_YAML_ALIAS_LIMIT@1:1']);
  });

  it('refuses deeply nested flow collections before the parser recurses on them', () => {
    const deep = release('a').replace('spec:\n', `spec:\n  metadata:\n    deep: ${'['.repeat(400_000)}${']'.repeat(400_000)}\n`);
    expect(codes(deep)).toEqual(['E_YAML_TOO_DEEP@7:75']);
    const shallow = release('a').replace('spec:\n', `spec:\n  metadata:\n    deep: ${'['.repeat(10)}${']'.repeat(10)}\n`);
    expect(codes(shallow)).toEqual([]);
    expect(codes(shallow, { maxFlowDepth: 5 })).toEqual(['E_YAML_TOO_DEEP@7:16']);
  });
});

describe('findExcessiveFlowDepth', () => {
  it.each([
    ['quoted brackets do not count', `a: "[[[["\nb: '{{{{'\n`, undefined],
    ['comments do not count', 'a: 1 # [[[[[\n', undefined],
    ['stray brackets in plain scalars reset at the next top-level key', 'a: ^[a-z\nb: ^[a-z\nc: ^[a-z\nd: ^[a-z\n', undefined],
    ['nesting across lines counts', 'a: [\n  [\n   [\n    [1]]]]\n', 18],
    ['escaped quotes stay inside the string', 'a: "\\"[[[["\n', undefined],
  ])('%s', (_name, text, want) => {
    expect(findExcessiveFlowDepth(text, 3)).toBe(want);
  });
});

describe('utf8ByteLength', () => {
  it('agrees with Buffer.byteLength on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text, 'utf8'));
      }),
      { numRuns: 300 },
    );
  });
});
