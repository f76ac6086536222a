import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { assignRing as assignCompiled, clearMembershipMemo, compileRings, membershipPosition, positioner, setMembershipMemoLimit } from '../../src/rollout/bucket.ts';
import type { Ring } from '../../src/manifests/types.ts';

const assignRing = (rings: Ring[], position: number, attrs: Record<string, string>): number => assignCompiled(compileRings(rings), position, attrs);

describe('membershipPosition', () => {
  it('is the first 32 bits of SHA-256(policy NUL uid) over 2^32', () => {
    const digest = createHash('sha256').update('otelcol\u0000agent-1').digest();
    expect(membershipPosition('otelcol', 'agent-1')).toBe(digest.readUInt32BE(0) / 2 ** 32);
  });

  it('matches node:crypto for long and non-ASCII uids (reused buffers grow correctly)', () => {
    const position = positioner('pölicy');
    for (const uid of ['short', 'ü'.repeat(40), 'x'.repeat(300), '🙂-uid', 'short']) {
      const digest = createHash('sha256').update(`pölicy\u0000${uid}`).digest();
      expect(position(uid)).toBe(digest.readUInt32BE(0) / 2 ** 32);
    }
  });

  it('remembers positions across plans without changing any, and forgets past its limit', () => {
    const reference = (policy: string, uid: string): number => createHash('sha256').update(`${policy}\u0000${uid}`).digest().readUInt32BE(0) / 2 ** 32;
    const uids = Array.from({ length: 50 }, (_, i) => `memo-${i}`);
    for (let round = 0; round < 3; round++) {
      if (round === 2) clearMembershipMemo(); // forgotten: computed again, the same
      const position = positioner('memo-policy'); // a new plan each round: remembered values come back
      for (const uid of uids) expect(position(uid)).toBe(reference('memo-policy', uid));
    }
    try {
      setMembershipMemoLimit(7); // forces the memo to be forgotten many times over
      const position = positioner('memo-policy-2');
      for (const uid of [...uids, ...uids]) expect(position(uid)).toBe(reference('memo-policy-2', uid));
    } finally {
      setMembershipMemoLimit(2_000_000);
    }
  });

  it('differs per policy and is uniform enough for percent rings', () => {
    expect(membershipPosition('a', 'x')).not.toBe(membershipPosition('b', 'x'));
    const positions = Array.from({ length: 10_000 }, (_, i) => membershipPosition('p', `uid-${i}`));
    expect(positions.every((u) => u >= 0 && u < 1)).toBe(true);
    const inFirstTenth = positions.filter((u) => u < 0.1).length;
    expect(inFirstTenth).toBeGreaterThan(850);
    expect(inFirstTenth).toBeLessThan(1150);
  });
});

describe('assignRing', () => {
  const rings = [
    { name: 'canary', selector: { matchLabels: { canary: 'true' } } },
    { name: 'early', percent: 10 },
    { name: 'half', percent: 50 },
  ];
  const cases = [
    { name: 'selector ring takes matching agents at any position', position: 0.99, attrs: { canary: 'true' }, want: 0 },
    { name: 'percent ring takes the low positions', position: 0.05, attrs: {}, want: 1 },
    { name: 'next percent ring sees the rescaled rest: 0.5 → (0.5-0.1)/0.9 = 0.444 < 0.5', position: 0.5, attrs: {}, want: 2 },
    { name: '0.6 → 0.556 is not in the next 50%', position: 0.6, attrs: {}, want: -1 },
  ];
  it.each(cases)('$name', ({ position, attrs, want }) => {
    expect(assignRing(rings, position, attrs)).toBe(want);
  });

  it('treats absent or invalid percent as 100 and 0 as none', () => {
    expect(assignRing([{ name: 'all' }], 0.999, {})).toBe(0);
    expect(assignRing([{ name: 'bad', percent: Number.NaN }], 0.999, {})).toBe(0);
    expect(assignRing([{ name: 'bad', percent: 150 }], 0.5, {})).toBe(0);
    expect(assignRing([{ name: 'none', percent: 0 }, { name: 'rest' }], 0, {})).toBe(1);
  });

  it('takes percent of the remaining agents: 10% then 10% is about 10% + 9%', () => {
    const two = compileRings([{ name: 'a', percent: 10 }, { name: 'b', percent: 10 }]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[assignCompiled(two, membershipPosition('p', `u${i}`), {}) + 1]!++;
    expect(counts[1]! / 20_000).toBeCloseTo(0.1, 1);
    expect(counts[2]! / 20_000).toBeCloseTo(0.09, 1);
  });
});
