/**
 * `downloadHeaders` are credentials for Ringmaster's own artifact store: a real OpAMP server
 * must attach them only to files whose download URL has the same origin as `publicBaseUrl`,
 * and never to a file hosted elsewhere (the other host would receive the store's token).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentCapabilities as A } from '../../src/opamp/messages.ts';
import type { PackagesAvailable } from '../../src/opamp/messages.ts';
import { uuidToString } from '../../src/opamp/uuid.ts';
import type { OfferedPackage } from '../../src/rollout/types.ts';
import { connectWsAgent, hello, postMessage, serverFixture } from './agent-peer.ts';
import { uuidv7 } from '../../src/opamp/uuid.ts';

const fixture = serverFixture();
afterEach(() => fixture.stopAll());

const caps = A.ReportsStatus | A.AcceptsPackages;
const token = { Authorization: 'Bearer store-token' };
const wantHeaders = { headers: [{ key: 'Authorization', value: 'Bearer store-token' }] };

/** One package per URL, named by the case, so a single offer covers every case. */
const urls = {
  relative: 'pkgs/a.tgz',
  rootRelative: '/pkgs/b.tgz',
  sameOriginAbsolute: 'https://store.example:8443/other/c.tgz',
  sameOriginCaseAndPath: 'HTTPS://STORE.example:8443/d.tgz',
  otherHost: 'https://artifacts.example.com/e.tgz',
  otherPort: 'https://store.example:9443/f.tgz',
  defaultPort: 'https://store.example/g.tgz',
  otherScheme: 'http://store.example:8443/h.tgz',
  userinfoTrick: 'https://store.example:8443@evil.example/i.tgz',
  subdomain: 'https://cdn.store.example:8443/j.tgz',
} as const;
type Case = keyof typeof urls;
const withHeaders: readonly Case[] = ['relative', 'rootRelative', 'sameOriginAbsolute', 'sameOriginCaseAndPath'];

function offerFor(uid: Uint8Array): { uid: string; allPackagesHash: string; packages: Record<string, OfferedPackage> } {
  const packages: Record<string, OfferedPackage> = {};
  for (const [name, url] of Object.entries(urls)) packages[name] = { type: 'Addon', version: '1.0.0', hash: 'a1', file: { url, sha256: 'ab'.repeat(32) } };
  return { uid: uuidToString(uid), allPackagesHash: 'f0', packages };
}

function headersByCase(offered: PackagesAvailable | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.keys(urls).map((name) => [name, offered?.packages?.[name]?.file?.headers]));
}

const expected = Object.fromEntries(Object.keys(urls).map((name) => [name, withHeaders.includes(name as Case) ? wantHeaders : undefined]));

describe('download headers go only to the artifact store', () => {
  it('over WebSocket: same-origin files carry the token, files on other origins do not', async () => {
    const { server, wsUrl } = await fixture.start({ publicBaseUrl: 'https://store.example:8443/store/', downloadHeaders: token });
    const agent = await connectWsAgent(wsUrl);
    server.setOffers([offerFor(agent.uid)]);
    const reply = await agent.exchange(hello(agent.uid, 1, caps));
    expect(reply.packagesAvailable?.packages?.relative?.file?.downloadUrl).toBe('https://store.example:8443/store/pkgs/a.tgz');
    expect(reply.packagesAvailable?.packages?.otherHost?.file?.downloadUrl).toBe(urls.otherHost);
    expect(headersByCase(reply.packagesAvailable)).toEqual(expected);
    await agent.close();
  });

  it('over plain HTTP: a file on another host gets no headers at all', async () => {
    const { server, url } = await fixture.start({ publicBaseUrl: 'https://store.example:8443/store', downloadHeaders: token });
    const uid = uuidv7();
    server.setOffers([offerFor(uid)]);
    const reply = await postMessage(url, hello(uid, 1, caps));
    expect(reply.status).toBe(200);
    expect(headersByCase(reply.message?.packagesAvailable)).toEqual(expected);
    expect(reply.message?.packagesAvailable?.packages?.otherHost?.file).toEqual({ downloadUrl: urls.otherHost, contentHash: new Uint8Array(32).fill(0xab) });
  });

  it('matches the default port written out: https://h:443 is the origin of https://h/', async () => {
    const { server, wsUrl } = await fixture.start({ publicBaseUrl: 'https://store.example:443/', downloadHeaders: token });
    const agent = await connectWsAgent(wsUrl);
    server.setOffers([offerFor(agent.uid)]);
    const packages = (await agent.exchange(hello(agent.uid, 1, caps))).packagesAvailable?.packages;
    expect(packages?.defaultPort?.file?.headers).toEqual(wantHeaders);
    expect(packages?.relative?.file?.headers).toEqual(wantHeaders);
    expect(packages?.sameOriginAbsolute?.file?.headers).toBeUndefined();
    await agent.close();
  });

  it('without publicBaseUrl there is no store origin, so absolute URLs never get the headers', async () => {
    const { server, wsUrl } = await fixture.start({ downloadHeaders: token });
    const agent = await connectWsAgent(wsUrl);
    const offer = offerFor(agent.uid);
    offer.packages = { otherHost: offer.packages.otherHost! };
    server.setOffers([offer]);
    const file = (await agent.exchange(hello(agent.uid, 1, caps))).packagesAvailable?.packages?.otherHost?.file;
    expect(file?.downloadUrl).toBe(urls.otherHost);
    expect(file?.headers).toBeUndefined();
    await agent.close();
  });
});
