import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../../src/opamp/token-bucket.ts';

describe('createTokenBucket', () => {
  it('allows the burst, then the sustained rate', () => {
    const bucket = createTokenBucket(2, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.waitSeconds(0)).toBeCloseTo(0.5);
    expect(bucket.take(499)).toBe(false);
    expect(bucket.take(500)).toBe(true);
  });

  it('never holds more than the burst, and ignores time going backwards', () => {
    const bucket = createTokenBucket(100, 2, 0);
    expect([bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)]).toEqual([true, true, false]);
    expect(bucket.take(1_000)).toBe(false);
  });
});
