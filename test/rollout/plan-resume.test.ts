import { describe, expect, it } from 'vitest';
import type { PolicyStatus, RingStatus } from '../../src/manifests/types.ts';
import { emptyCounts } from '../../src/rollout/fleet-tally.ts';
import { buildReleaseOffers } from '../../src/rollout/release-offers.ts';
import { formatTime, parseTime } from '../../src/rollout/time.ts';
import { agent, plan, PKG, policy, release, T0, withInstalled } from './fixtures.ts';

const r14 = release('1.4.0');
const r15 = release('1.5.0');
const releases = [r14, r15];

/** A status as an older version or a human might have written it: optional fields missing. */
function handWritten(rings: RingStatus[], extra: Partial<PolicyStatus> = {}): Record<string, PolicyStatus> {
  return { [PKG]: { specHash: 'old', phase: 'Progressing', release: r15.metadata.name, rings, conditions: [], ...extra } };
}

describe('resuming from sparse statuses', () => {
  it('a Progressing ring without startedAt counts its deadline from now', () => {
    const previous = handWritten([{ name: 'all', phase: 'Progressing', counts: emptyCounts() }]);
    const result = plan({ policies: [policy(r15.metadata.name, [{ name: 'all' }], { strategy: { progressDeadline: '1h' } })], releases, agents: [agent('a')], previous });
    expect(result.statuses[PKG]!.rings[0]!.phase).toBe('Progressing');
    expect(result.wakeAt[PKG]).toBe(T0 + 60 * 60_000 + 1);
    // The policy startedAt is filled in once and kept from then on.
    expect(result.statuses[PKG]!.startedAt).toBe('2026-11-21T09:00:00Z');
  });

  it('a Baking ring without bakeUntil ends its bake now', () => {
    const previous = handWritten([{ name: 'all', phase: 'Baking', counts: emptyCounts() }], { phase: 'Baking' });
    const result = plan({ policies: [policy(r15.metadata.name, [{ name: 'all', bake: '1h' }])], releases, agents: [withInstalled(agent('a'), r15, T0 - 60_000)], previous });
    expect(result.statuses[PKG]!.rings[0]!.phase).toBe('Succeeded');
  });

  it('a Baking ring shows its end in the policy message', () => {
    const previous = handWritten([{ name: 'all', phase: 'Baking', bakeUntil: '2026-11-21T10:00:00Z', counts: emptyCounts() }], { phase: 'Baking' });
    const result = plan({ policies: [policy(r15.metadata.name, [{ name: 'all', bake: '1h' }])], releases, agents: [withInstalled(agent('a'), r15, T0 - 60_000)], previous });
    expect(result.statuses[PKG]!.message).toBe('ring all baking until 2026-11-21T10:00:00Z');
    expect(result.wakeAt[PKG]).toBe(Date.parse('2026-11-21T10:00:00Z'));
  });

  it('a Failed ring without message still explains the phase', () => {
    const previous = handWritten([{ name: 'all', phase: 'Failed', counts: emptyCounts() }], { phase: 'Failed' });
    const result = plan({ policies: [policy(r15.metadata.name, [{ name: 'all' }])], releases, agents: [agent('a')], previous });
    expect(result.statuses[PKG]!.message).toBe('ring all: failed');
  });

  it('history of a status without start or message', () => {
    const previous = handWritten([{ name: 'all', phase: 'Pending', counts: emptyCounts() }], { release: r14.metadata.name });
    const result = plan({ policies: [policy(r15.metadata.name, [{ name: 'all' }])], releases, agents: [], previous });
    expect(result.statuses[PKG]!.history).toEqual([{ release: r14.metadata.name, phase: 'Progressing', finishedAt: '2026-11-21T09:00:00Z' }]);
  });

  it('a completed rollout with an empty ring list finishes at the moment it was replaced', () => {
    const previous = handWritten([], { release: r14.metadata.name, phase: 'Succeeded' });
    const result = plan({ policies: [policy(r15.metadata.name, [{ name: 'all' }])], releases, agents: [], previous });
    expect(result.statuses[PKG]!.history![0]!.finishedAt).toBe('2026-11-21T09:00:00Z');
  });

  it('echoes a package reported with a hash but no version', () => {
    const a = { ...agent('a'), packages: { [PKG]: { name: PKG, hasHash: 'ab', state: 'Installed' as const, since: T0 } } };
    const result = plan({ policies: [policy(r15.metadata.name, [{ name: 'gate', requireApproval: true }])], releases, agents: [a] });
    expect(result.offers[0]!.packages[PKG]).toEqual({ type: 'TopLevel', version: '', hash: 'ab' });
  });
});

describe('release offers', () => {
  it('carries signature and size, keeps the first artifact of a duplicated platform', () => {
    const rel = release('2.0.0', {
      artifacts: [
        { os: 'linux', arch: 'amd64', url: 'first', sha256: 'aa'.repeat(32), signature: 'c2ln', size: 42 },
        { os: 'linux', arch: 'amd64', url: 'second', sha256: 'bb'.repeat(32) },
      ],
    });
    const offers = buildReleaseOffers(rel);
    expect(offers.byPlatform.size).toBe(1);
    expect(offers.byPlatform.get('linux/amd64')!.file).toEqual({ url: 'first', sha256: 'aa'.repeat(32), signature: 'c2ln', size: 42 });
  });
});

describe('time', () => {
  it('formats losslessly and parses defensively', () => {
    expect(formatTime(T0)).toBe('2026-11-21T09:00:00Z');
    expect(formatTime(T0 + 250)).toBe('2026-11-21T09:00:00.250Z');
    expect(parseTime(formatTime(T0 + 250))).toBe(T0 + 250);
    expect(parseTime(undefined)).toBeUndefined();
    expect(parseTime('yesterday-ish')).toBeUndefined();
  });
});
