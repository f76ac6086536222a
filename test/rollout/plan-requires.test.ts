/**
 * `requires` (docs/rollout.md "requires"): a dependent release is offered only once the
 * agent reports the required package installed; agents held back are `waiting` with a
 * reason, blocking the ring only while the rollout may still meet the requirement; agents
 * whose requirement breaks after they took the dependent keep what they have and are
 * reported.
 */
import { describe, expect, it } from 'vitest';
import type { PackageRelease, Ring } from '../../src/manifests/types.ts';
import type { AgentObservation, PlanResult } from '../../src/rollout/types.ts';
import { agent, completed, hashOf, MIN, offeredVersions, plan, PKG, policy, release, replan, T0, withInstalled, withOffered } from './fixtures.ts';

const ADDON = 'my-addon';
const r14 = release('1.4.0');
const r15 = release('1.5.0');
const r16 = release('1.6.0');
const addon = release('0.2.0', { requires: [{ package: PKG, range: '>=1.5.0' }] }, ADDON);
const addonOld = release('0.1.0', {}, ADDON);
const all: Ring[] = [{ name: 'all' }];
const releases: PackageRelease[] = [r14, r15, r16, addonOld, addon];
const addonPolicy = policy(addon.metadata.name, all, {}, 'addon');
/** The collector policy (planned first: its release has no `requires`). */
const core = (rel = r15): ReturnType<typeof policy> => policy(rel.metadata.name, all, { strategy: { maxConcurrent: '100%', healthyFor: '0s', installTimeout: '5m' } }, 'core');

const placement = (result: PlanResult, uid = 'a') => result.membership.find((m) => m.policy === 'addon')!.agents[uid];
const addonCounts = (result: PlanResult) => result.statuses['addon']!.rings[0]!.counts;
const failedOn = (a: AgentObservation, rel: PackageRelease, error = 'boom'): AgentObservation => withOffered(a, rel, 'InstallFailed', T0, { error });
const on14 = (): AgentObservation => withInstalled(agent('a'), r14);
const needs = `needs ${PKG} >=1.5.0, has`;

describe('requires: offering the dependent release', () => {
  const cases: { name: string; agentOf: () => AgentObservation; policies?: ReturnType<typeof policy>[]; now?: number; reason: string | undefined; blocking: boolean }[] = [
    { name: 'required package installed: offered', agentOf: () => withInstalled(agent('a'), r15), reason: undefined, blocking: true },
    { name: 'required version missing', agentOf: on14, reason: `${needs} 1.4.0`, blocking: true },
    { name: 'required package absent', agentOf: () => agent('a'), reason: `${needs} none`, blocking: true },
    { name: 'offered in the same set, not yet delivered: waits for it', agentOf: on14, policies: [core()], reason: `waiting for ${PKG} 1.5.0 to be installed; ${needs} 1.4.0`, blocking: true },
    { name: 'same-set offer downloading: waits', agentOf: () => withOffered(on14(), r15, 'Downloading'), policies: [core()], reason: `waiting for ${PKG} 1.5.0 to be installed; ${needs} 1.4.0 (Downloading)`, blocking: true },
    { name: 'satisfying version installed but mid-upgrade: waits for the upgrade', agentOf: () => withOffered(withInstalled(agent('a'), r15), r16, 'Installing'), policies: [core(r16)], reason: `waiting for ${PKG} 1.6.0 to be installed; ${needs} 1.5.0 (Installing)`, blocking: true },
    { name: 'same-set offer failed: held, not blocking', agentOf: () => failedOn(on14(), r15), policies: [core()], reason: `${PKG} 1.5.0 install failed: boom; ${needs} 1.4.0 (InstallFailed)`, blocking: false },
    { name: 'same-set offer timed out: held, not blocking', agentOf: () => withOffered(on14(), r15, 'Installing', T0 - 10 * MIN), policies: [core()], reason: `${PKG} 1.5.0 not installed within installTimeout (300s); ${needs} 1.4.0 (Installing)`, blocking: false },
    { name: 'a failed offer of an unsatisfying version does not count', agentOf: () => failedOn(on14(), r14), policies: [core(r14)], reason: `${needs} 1.4.0 (InstallFailed)`, blocking: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = plan({ policies: [addonPolicy, ...(c.policies ?? [])], releases, agents: [c.agentOf()], now: c.now ?? T0 });
      if (c.reason === undefined) {
        expect(placement(result)).toEqual({ ring: 'all', state: 'offered' });
        expect(offeredVersions(result, ADDON)['a']).toBe('0.2.0');
        return;
      }
      expect(placement(result)).toEqual({ ring: 'all', state: 'waiting', reason: c.reason });
      expect(offeredVersions(result, ADDON)['a']).toBeUndefined();
      expect(addonCounts(result)).toMatchObject({ waiting: 1, offered: 0, healthy: 0 });
      // A blocking agent keeps the ring open; a failed dependency does not: the ring (empty otherwise) succeeds.
      expect(result.statuses['addon']!.phase).toBe(c.blocking ? 'Progressing' : 'Succeeded');
    });
  }

  it('a failed stable offer of the required package (no target of its policy) is seen from the agent report', () => {
    const previous = completed(r15, all, 'core');
    const gated = policy(r16.metadata.name, [{ name: 'all', requireApproval: true }], {}, 'core');
    const result = plan({ policies: [addonPolicy, gated], releases, agents: [failedOn(on14(), r15, 'disk full')], previous });
    expect(offeredVersions(result)['a']).toBe('1.5.0');
    expect(placement(result)).toEqual({ ring: 'all', state: 'waiting', reason: `${PKG} 1.5.0 install failed: disk full; ${needs} 1.4.0 (InstallFailed)` });
    const silent = plan({ policies: [addonPolicy, gated], releases, agents: [withOffered(on14(), r15, 'InstallFailed')], previous });
    expect(placement(silent)!.reason).toBe(`${PKG} 1.5.0 install failed: no error reported; ${needs} 1.4.0 (InstallFailed)`);
  });

  it('a failed dependency is reported before one still to come', () => {
    const two = release('0.3.0', { requires: [{ package: 'other', range: '>=1' }, { package: PKG, range: '>=1.5.0' }] }, ADDON);
    const result = plan({ policies: [policy(two.metadata.name, all, {}, 'addon'), core()], releases: [...releases, two], agents: [failedOn(on14(), r15)] });
    expect(placement(result)!.reason).toBe(`${PKG} 1.5.0 install failed: boom; ${needs} 1.4.0 (InstallFailed)`);
    const pending = plan({ policies: [policy(two.metadata.name, all, {}, 'addon'), core()], releases: [...releases, two], agents: [on14()] });
    expect(placement(pending)!.reason).toBe('needs other >=1, has none');
  });

  it('does not hand out a stable release whose requirement the agent does not report installed', () => {
    const previous = completed(addon, all, 'addon');
    const next = release('0.3.0', {}, ADDON);
    const gated = policy(next.metadata.name, [{ name: 'all', requireApproval: true }], {}, 'addon');
    const lacking = plan({ policies: [gated], releases: [...releases, next], agents: [on14()], previous });
    expect(lacking.offers[0]!.packages[ADDON]).toBeUndefined();
    const inFlight = plan({ policies: [gated, core()], releases: [...releases, next], agents: [on14()], previous });
    expect(inFlight.offers[0]!.packages[ADDON]).toBeUndefined();
    const ok = plan({ policies: [gated], releases: [...releases, next], agents: [withInstalled(agent('a'), r15)], previous });
    expect(ok.offers[0]!.packages[ADDON]).toMatchObject({ version: '0.2.0' });
  });
});

describe('requires: an agent that already holds the dependent release', () => {
  const holding = (a: AgentObservation): AgentObservation => withInstalled(a, addon);
  const cases: { name: string; agentOf: () => AgentObservation; policies?: ReturnType<typeof policy>[]; reason: string | undefined }[] = [
    { name: 'requirement installed: healthy', agentOf: () => holding(withInstalled(agent('a'), r15)), reason: undefined },
    { name: 'required package upgrading (old satisfying version still there): healthy', agentOf: () => holding(withOffered(withInstalled(agent('a'), r15), r16, 'Installing')), policies: [core(r16)], reason: undefined },
    { name: 'required package still installing a satisfying offer: healthy', agentOf: () => holding(withOffered(on14(), r15, 'Installing')), policies: [core()], reason: undefined },
    { name: 'required package rolled back to an old version', agentOf: () => holding(on14()), reason: `requirement not met: ${needs} 1.4.0` },
    { name: 'required package failed to install', agentOf: () => holding(failedOn(on14(), r15)), policies: [core()], reason: `requirement not met: ${PKG} 1.5.0 install failed: boom; ${needs} 1.4.0 (InstallFailed)` },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = plan({ policies: [addonPolicy, ...(c.policies ?? [])], releases, agents: [c.agentOf()] });
      // Never deleted, never reinstalled: the entry keeps the hash the agent has.
      expect(result.offers[0]!.packages[ADDON]!.hash).toBe(hashOf(addon));
      if (c.reason === undefined) {
        expect(placement(result)).toEqual({ ring: 'all', state: 'healthy' });
        expect(addonCounts(result)).toMatchObject({ healthy: 1, waiting: 0 });
        return;
      }
      expect(placement(result)).toEqual({ ring: 'all', state: 'waiting', reason: c.reason });
      expect(addonCounts(result)).toMatchObject({ healthy: 0, installed: 0, offered: 0, waiting: 1 });
      // Nothing this rollout does can fix it: counted and reported, not blocking.
      expect(result.statuses['addon']!.phase).toBe('Succeeded');
    });
  }

  it('an unfinished install of the dependent is withdrawn when its requirement breaks: back to what the agent has', () => {
    const a = withOffered(withInstalled(failedOn(on14(), r15), addonOld), addon, 'Downloading');
    const result = plan({ policies: [addonPolicy, core()], releases, agents: [a] });
    expect(offeredVersions(result, ADDON)['a']).toBe('keep:0.1.0');
    expect(placement(result)!.state).toBe('waiting');
    expect(result.statuses['addon']!.rings[0]!.counts).toMatchObject({ offered: 0, downloading: 0, waiting: 1 });
  });

  it('a dependent that failed is failed while its requirement holds, and waiting (not a failure) once it breaks', () => {
    const own = plan({ policies: [addonPolicy], releases, agents: [failedOn(withInstalled(agent('a'), r15), addon, 'bad parser')] });
    expect(placement(own)).toEqual({ ring: 'all', state: 'failed', reason: 'install failed: bad parser' });
    const broken = plan({ policies: [addonPolicy], releases, agents: [failedOn(on14(), addon, 'bad parser')] });
    expect(placement(broken)).toEqual({ ring: 'all', state: 'waiting', reason: `requirement not met: ${needs} 1.4.0` });
    expect(addonCounts(broken)).toMatchObject({ failed: 0, waiting: 1 });
    expect(broken.offers[0]!.packages[ADDON]).toBeUndefined();
  });
});

describe('requires: the dependent follows the required package ring by ring', () => {
  it('offers the addon only after the collector reports installed; a collector failure holds that agent without blocking the ring', () => {
    const policies = [addonPolicy, core()];
    const fleet = [on14(), withInstalled(agent('b'), r14), withInstalled(agent('c'), r14)];
    const first = plan({ policies, releases, agents: fleet });
    expect(offeredVersions(first)).toEqual({ a: '1.5.0', b: '1.5.0', c: '1.5.0' });
    expect(offeredVersions(first, ADDON)).toEqual({ a: undefined, b: undefined, c: undefined });
    expect(first.statuses['addon']!.phase).toBe('Progressing');
    // b and c install the collector; a fails and stays on 1.4.0.
    const second = replan({ policies, releases, agents: [failedOn(fleet[0]!, r15), withInstalled(fleet[1]!, r15), withInstalled(fleet[2]!, r15)], now: T0 + MIN }, first);
    expect(offeredVersions(second, ADDON)).toEqual({ a: undefined, b: '0.2.0', c: '0.2.0' });
    expect(placement(second)!.reason).toMatch(/^otelcol-custom 1\.5\.0 install failed: boom/);
    const third = replan({ policies, releases, agents: [failedOn(fleet[0]!, r15), withInstalled(withInstalled(fleet[1]!, r15), addon), withInstalled(withInstalled(fleet[2]!, r15), addon)], now: T0 + 2 * MIN }, second);
    expect(third.statuses['addon']!.phase).toBe('Succeeded');
    expect(third.events.map((e) => e.message)).toContain('ring all succeeded (2/2 healthy, 1 waiting on requires)');
    expect(addonCounts(third)).toMatchObject({ targeted: 3, healthy: 2, waiting: 1 });
    expect(offeredVersions(third, ADDON)).toEqual({ a: undefined, b: '0.2.0', c: '0.2.0' });
    // The collector is fixed on a: the addon follows, unpaced, in the finished ring.
    const fixed = replan({ policies, releases, agents: [withInstalled(fleet[0]!, r15), ...third.offers.slice(1).map((o) => fleet.find((f) => f.uid === o.uid)!).map((f) => withInstalled(withInstalled(f, r15), addon))], now: T0 + 3 * MIN }, third);
    expect(offeredVersions(fixed, ADDON)['a']).toBe('0.2.0');
  });
});
