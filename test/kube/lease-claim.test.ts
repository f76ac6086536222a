import { describe, expect, it } from 'vitest';
import { claimLease } from '../../src/kube/lease-claim.ts';
import type { LeaseRecord } from '../../src/kube/lease-record.ts';

const T = 1_000_000;
const held = (holder: string, extra: Partial<LeaseRecord> = {}): LeaseRecord => ({ holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: T - 60_000, renewTime: T - 1_000, leaseTransitions: 3, ...extra });
const ctx = { identity: 'me', now: T, leaseDurationMs: 15_000 };

describe('claimLease (client-go rules)', () => {
  const cases: Array<{ name: string; current: LeaseRecord | undefined; observedAt: number; want: Partial<LeaseRecord> | undefined }> = [
    { name: 'no lease yet: create ours', current: undefined, observedAt: T, want: { holderIdentity: 'me', acquireTime: T, renewTime: T, leaseTransitions: 0, leaseDurationSeconds: 15 } },
    { name: 'ours: renew, keeping acquireTime and transitions', current: held('me'), observedAt: T - 500, want: { holderIdentity: 'me', acquireTime: T - 60_000, renewTime: T, leaseTransitions: 3 } },
    { name: 'another holder, seen changing 14.9 s ago: still valid', current: held('other'), observedAt: T - 14_900, want: undefined },
    { name: 'another holder, unchanged for 15 s by our clock: take over', current: held('other'), observedAt: T - 15_000, want: { holderIdentity: 'me', acquireTime: T, leaseTransitions: 4 } },
    { name: 'renewTime far in the past by the holder\'s clock does not matter', current: held('other', { renewTime: T - 3_600_000 }), observedAt: T - 1_000, want: undefined },
    { name: 'the holder\'s own duration counts (60 s lease, seen 20 s ago)', current: held('other', { leaseDurationSeconds: 60 }), observedAt: T - 20_000, want: undefined },
    { name: 'released (empty holder): free at once', current: held('', { leaseDurationSeconds: 1 }), observedAt: T, want: { holderIdentity: 'me', leaseTransitions: 4 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = claimLease(c.current, { ...ctx, observedAt: c.observedAt });
      if (c.want === undefined) expect(got).toBeUndefined();
      else expect(got).toMatchObject(c.want);
    });
  }
});
