import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allPackagesHash, packageHash } from '../../src/rollout/package-hash.ts';
import { canonicalJson, specHash } from '../../src/rollout/spec-hash.ts';

const sha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const file = { url: 'packages/x/1.0.0/linux-amd64/x', sha256: 'ab'.repeat(32), signature: 'c2ln' };

describe('packageHash', () => {
  it('is SHA-256 of the documented JSON array', () => {
    expect(packageHash('x', { type: 'TopLevel', version: '1.0.0', file })).toBe(
      sha(JSON.stringify(['ringmaster.package.v1', 'x', 'TopLevel', '1.0.0', file.url, file.sha256, file.signature])),
    );
    expect(packageHash('', { type: 'Addon', version: '2' })).toBe(sha(JSON.stringify(['ringmaster.package.v1', '', 'Addon', '2', null, null, null])));
  });

  it('changes with every covered field and ignores size', () => {
    const base = packageHash('x', { type: 'TopLevel', version: '1.0.0', file });
    const variants = [
      packageHash('y', { type: 'TopLevel', version: '1.0.0', file }),
      packageHash('x', { type: 'Addon', version: '1.0.0', file }),
      packageHash('x', { type: 'TopLevel', version: '1.0.1', file }),
      packageHash('x', { type: 'TopLevel', version: '1.0.0', file: { ...file, url: 'other' } }),
      packageHash('x', { type: 'TopLevel', version: '1.0.0', file: { ...file, sha256: 'cd'.repeat(32) } }),
      packageHash('x', { type: 'TopLevel', version: '1.0.0', file: { url: file.url, sha256: file.sha256 } }),
    ];
    expect(new Set([base, ...variants]).size).toBe(7);
    expect(packageHash('x', { type: 'TopLevel', version: '1.0.0', file: { ...file, size: 12 } as typeof file })).toBe(base);
  });

  it('is unambiguous where naive concatenation is not', () => {
    expect(packageHash('ab', { type: 'Addon', version: 'c' })).not.toBe(packageHash('a', { type: 'Addon', version: 'bc' }));
  });
});

describe('allPackagesHash', () => {
  it('covers sorted names and hashes, whatever the insertion order', () => {
    const a = allPackagesHash({ b: { hash: '02' }, '': { hash: '01' } });
    expect(a).toBe(allPackagesHash({ '': { hash: '01' }, b: { hash: '02' } }));
    expect(a).toBe(sha(JSON.stringify(['ringmaster.packages.v1', '', '01', 'b', '02'])));
    expect(a).not.toBe(allPackagesHash({ '': { hash: '01' }, b: { hash: '03' } }));
    expect(allPackagesHash({})).toBe(sha(JSON.stringify(['ringmaster.packages.v1'])));
  });
});

describe('specHash', () => {
  it('ignores key order and undefined members, not values', () => {
    expect(canonicalJson({ b: 1, a: [1, undefined, { d: null, c: 'x' }], u: undefined })).toBe('{"a":[1,null,{"c":"x","d":null}],"b":1}');
    const spec = { release: 'r', rings: [{ name: 'a' }] };
    expect(specHash(spec, undefined)).toBe(specHash({ rings: [{ name: 'a' }], release: 'r' }, undefined));
    expect(specHash(spec, undefined)).not.toBe(specHash({ ...spec, paused: true }, undefined));
    expect(specHash(spec, undefined)).toBe(sha('{"policy":{"release":"r","rings":[{"name":"a"}]},"release":null}'));
  });
});
