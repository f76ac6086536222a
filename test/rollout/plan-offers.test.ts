import { describe, expect, it } from 'vitest';
import type { Ring } from '../../src/manifests/types.ts';
import { allPackagesHash } from '../../src/rollout/package-hash.ts';
import { agent, completed, hashOf, offeredVersions, plan, PKG, policy, release, states, T0, withInstalled } from './fixtures.ts';

const r14 = release('1.4.0');
const r15 = release('1.5.0');
const r16 = release('1.6.0');
const rings: Ring[] = [{ name: 'canary', selector: { matchLabels: { canary: 'true' } } }, { name: 'everyone', requireApproval: true }];
const withPackage = (a: ReturnType<typeof agent>, name: string, version: string, hash: string): ReturnType<typeof agent> => ({
  ...a,
  packages: { ...a.packages, [name]: { name, hasVersion: version, hasHash: hash, state: 'Installed', since: T0 } },
});

describe('offers are the full set', () => {
  it('echoes packages no policy manages, with the agent hash and no file', () => {
    const a = withPackage(withPackage(agent('a', { canary: 'true' }), 'filelog-addon', '0.3.0', 'aa'), '', '9.9.9', 'bb');
    const result = plan({ policies: [policy(r15.metadata.name, rings)], releases: [r14, r15], agents: [a] });
    const offer = result.offers[0]!;
    expect(Object.keys(offer.packages).sort()).toEqual(['', 'filelog-addon', PKG]);
    expect(offer.packages['filelog-addon']).toEqual({ type: 'Addon', version: '0.3.0', hash: 'aa' });
    expect(offer.packages['']).toEqual({ type: 'TopLevel', version: '9.9.9', hash: 'bb' });
    expect(offer.packages[PKG]).toMatchObject({ version: '1.5.0', hash: hashOf(r15), release: r15.metadata.name, file: { url: r15.spec.artifacts[0]!.url } });
    expect(offer.allPackagesHash).toBe(allPackagesHash(offer.packages));
  });

  it('echoes an unmanaged package with the type of a known release of that name', () => {
    const addon = release('0.1.0', {}, 'my-addon');
    const a = withPackage(agent('a', { canary: 'true' }), 'my-addon', '0.0.9', 'cc');
    const result = plan({ policies: [policy(r15.metadata.name, rings)], releases: [r15, addon], agents: [a] });
    expect(result.offers[0]!.packages['my-addon']).toEqual({ type: 'Addon', version: '0.0.9', hash: 'cc' });
  });

  it('never drops what an agent outside open rings has: before any success it keeps its version', () => {
    const installed = withInstalled(agent('e'), r14);
    const result = plan({ policies: [policy(r15.metadata.name, rings)], releases: [r14, r15], agents: [installed, withPackage(agent('v'), PKG, '1.3.0', 'dd')] });
    expect(result.offers.find((o) => o.uid === 'e')!.packages[PKG]).toEqual({ type: 'TopLevel', version: '1.4.0', hash: hashOf(r14) });
    expect(result.offers.find((o) => o.uid === 'v')!.packages[PKG]).toEqual({ type: 'TopLevel', version: '1.3.0', hash: 'dd' });
  });

  it('gives agents outside open rings the stable release, but never an implicit downgrade', () => {
    const agents = [withPackage(agent('old'), PKG, '1.3.0', 'ee'), withInstalled(agent('newer'), r16), withPackage(agent('odd'), PKG, 'not-semver', 'ff'), withInstalled(agent('same'), r14)];
    const result = plan({ policies: [policy(r15.metadata.name, rings)], releases: [r14, r15, r16], agents, previous: completed(r14, [{ name: 'all' }]) });
    expect(offeredVersions(result)).toEqual({ old: '1.4.0', newer: 'keep:1.6.0', odd: '1.4.0', same: '1.4.0' });
  });

  it('never upgrades unassigned agents, not even to the stable release', () => {
    const partial: Ring[] = [{ name: 'canary', selector: { matchLabels: { canary: 'true' } } }];
    const result = plan({ policies: [policy(r16.metadata.name, partial)], releases: [r14, r15, r16], agents: [withInstalled(agent('u'), r14)], previous: completed(r15, [{ name: 'all' }]) });
    expect(states(result)).toEqual({ u: 'unassigned' });
    expect(offeredVersions(result)).toEqual({ u: 'keep:1.4.0' });
  });

  it('offers nothing to agents no policy governs or that accept no packages', () => {
    const result = plan({
      policies: [policy(r15.metadata.name, rings, { selector: { matchLabels: { team: 'a' } } })],
      releases: [r15],
      agents: [agent('outside'), agent('legacy', { team: 'a', canary: 'true' }, { acceptsPackages: false })],
    });
    expect(result.offers).toEqual([]);
    expect(states(result)).toEqual({ legacy: 'incompatible' });
  });

  it('sorts offers by uid and shares one aggregate hash per distinct set', () => {
    const result = plan({ policies: [policy(r15.metadata.name, rings)], releases: [r15], agents: [agent('b', { canary: 'true' }), agent('a', { canary: 'true' })] });
    expect(result.offers.map((o) => o.uid)).toEqual(['a', 'b']);
    expect(result.offers[0]!.allPackagesHash).toBe(result.offers[1]!.allPackagesHash);
  });

  it('lets the first policy in name order own a package two policies manage for one agent', () => {
    const a = agent('a', { canary: 'true' });
    const result = plan({
      policies: [policy(r14.metadata.name, rings, {}, 'zz-second'), policy(r15.metadata.name, rings, {}, 'aa-first')],
      releases: [r14, r15],
      agents: [a],
    });
    expect(offeredVersions(result)).toEqual({ a: '1.5.0' });
    expect(result.membership.map((m) => m.policy)).toEqual(['aa-first', 'zz-second']);
    expect(result.membership[1]!.agents['a']).toEqual({ ring: 'canary', state: 'incompatible', reason: `package "${PKG}" is already managed by another policy` });
  });
});
