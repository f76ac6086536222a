import { describe, expect, it } from 'vitest';
import { OpampOfferError, buildPackagesAvailable, sameOrigin } from '../../src/opamp/offers.ts';
import type { AgentOffer } from '../../src/rollout/types.ts';

const sha = '0f'.repeat(32);
const uid = '0192f0c5-1e2d-7abc-8def-0123456789ab';

function offer(packages: AgentOffer['packages'], allPackagesHash = 'aa55'): AgentOffer {
  return { uid, allPackagesHash, packages };
}

describe('buildPackagesAvailable', () => {
  it('encodes the complete set: hex hashes as bytes, type as the enum, entries without a file carry none', () => {
    const built = buildPackagesAvailable(offer({
      otelcol: { type: 'TopLevel', version: '1.5.0', hash: '0102', file: { url: 'https://h/o.tgz', sha256: sha, signature: 'c2lnbmF0dXJl' } },
      addon: { type: 'Addon', version: '0.1.0', hash: '03' },
    }), {});
    expect(built).toEqual({
      allPackagesHash: new Uint8Array([0xaa, 0x55]),
      packages: {
        otelcol: { type: 0, version: '1.5.0', hash: new Uint8Array([1, 2]), file: { downloadUrl: 'https://h/o.tgz', contentHash: new Uint8Array(32).fill(0x0f), signature: new Uint8Array(Buffer.from('signature')) } },
        addon: { type: 1, version: '0.1.0', hash: new Uint8Array([3]) },
      },
    });
  });

  it('an empty desired set is still an offer with its aggregate hash (the agent deletes everything)', () => {
    expect(buildPackagesAvailable(offer({}, 'ee'), {})).toEqual({ packages: {}, allPackagesHash: new Uint8Array([0xee]) });
  });

  it.each([
    ['pkgs/o.tgz', 'https://cdn.example/store', 'https://cdn.example/store/pkgs/o.tgz'],
    ['/pkgs/o.tgz', 'https://cdn.example/store/', 'https://cdn.example/store/pkgs/o.tgz'],
    ['https://elsewhere/o.tgz', 'https://cdn.example/', 'https://elsewhere/o.tgz'],
  ])('resolves %s against %s', (url, publicBaseUrl, want) => {
    const built = buildPackagesAvailable(offer({ p: { type: 'TopLevel', version: '1', hash: '01', file: { url, sha256: sha } } }), { publicBaseUrl });
    expect(built.packages?.p?.file?.downloadUrl).toBe(want);
  });

  it('adds the download headers to every file on the publicBaseUrl origin, in order', () => {
    const built = buildPackagesAvailable(offer({ p: { type: 'TopLevel', version: '1', hash: '01', file: { url: 'https://h/p', sha256: sha } } }), { publicBaseUrl: 'https://h/store/', downloadHeaders: { 'X-Store-Token': 't', Accept: '*/*' } });
    expect(built.packages?.p?.file?.headers).toEqual({ headers: [{ key: 'X-Store-Token', value: 't' }, { key: 'Accept', value: '*/*' }] });
  });

  it.each([
    ['https://h/p', 'https://h:443/', true],
    ['https://H/p', 'https://h/', true],
    ['https://h:8443/p', 'https://h/', false],
    ['http://h/p', 'https://h/', false],
    ['https://h.evil/p', 'https://h/', false],
    ['https://h@evil/p', 'https://h/', false],
    ['file:///etc/passwd', 'file:///srv/store/', false],
  ])('sameOrigin(%s, %s) is %s', (a, b, want) => {
    expect(sameOrigin(a, b)).toBe(want);
  });

  it.each([
    ['a non-hex package hash', offer({ p: { type: 'TopLevel', version: '1', hash: 'xyz' } }), /package "p": hash is not hex/],
    ['an empty aggregate (it would be absent on the wire)', offer({}, ''), /allPackagesHash is empty/],
    ['an empty package hash', offer({ p: { type: 'TopLevel', version: '1', hash: '' } }), /package "p": hash is empty/],
    ['an odd-length aggregate', offer({}, 'abc'), /allPackagesHash is not hex/],
    ['a short sha256', offer({ p: { type: 'TopLevel', version: '1', hash: '01', file: { url: 'https://h/p', sha256: 'abcd' } } }), /file.sha256 must be 64 hex digits/],
    ['a bad signature', offer({ p: { type: 'TopLevel', version: '1', hash: '01', file: { url: 'https://h/p', sha256: sha, signature: 'not base64!' } } }), /file.signature is not base64/],
    ['a relative url without publicBaseUrl', offer({ p: { type: 'TopLevel', version: '1', hash: '01', file: { url: 'p.tgz', sha256: sha } } }), /relative and no publicBaseUrl/],
  ])('rejects %s with E_OPAMP_OFFER naming the agent', (_name, bad, message) => {
    const attempt = (): unknown => buildPackagesAvailable(bad, {});
    expect(attempt).toThrow(OpampOfferError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(`offer for agent ${uid}`);
  });
});
