import { describe, expect, it } from 'vitest';
import { resolveRingGates, resolveStrategy } from '../../src/rollout/strategy.ts';

describe('resolveStrategy', () => {
  it('applies the documented defaults', () => {
    expect(resolveStrategy(undefined)).toEqual({
      maxConcurrent: { kind: 'percent', value: 25 },
      installTimeoutMs: 15 * 60_000,
      healthyForMs: 60_000,
      progressDeadlineMs: 6 * 3_600_000,
      onFailure: 'pause',
    });
  });
  it('reads what is written', () => {
    expect(resolveStrategy({ maxConcurrent: 3, installTimeout: '2m', healthyFor: '0s', progressDeadline: '1h30m', onFailure: 'rollback' })).toEqual({
      maxConcurrent: { kind: 'count', value: 3 },
      installTimeoutMs: 120_000,
      healthyForMs: 0,
      progressDeadlineMs: 5_400_000,
      onFailure: 'rollback',
    });
  });
  it('falls back to defaults for unparsable values instead of throwing', () => {
    const resolved = resolveStrategy({ maxConcurrent: '-3%', installTimeout: 'soon', onFailure: 'explode' as 'pause' });
    expect(resolved.maxConcurrent).toEqual({ kind: 'percent', value: 25 });
    expect(resolved.installTimeoutMs).toBe(15 * 60_000);
    expect(resolved.onFailure).toBe('pause');
  });
});

describe('resolveRingGates', () => {
  it('defaults: no bake, no failures tolerated, no approval', () => {
    expect(resolveRingGates({ name: 'a' })).toEqual({ bakeMs: 0, maxFailures: { kind: 'count', value: 0 }, requireApproval: false });
  });
  it('reads bake, maxFailures and approval; bad values fall back', () => {
    expect(resolveRingGates({ name: 'a', bake: '30m', maxFailures: '2%', requireApproval: true })).toEqual({ bakeMs: 1_800_000, maxFailures: { kind: 'percent', value: 2 }, requireApproval: true });
    expect(resolveRingGates({ name: 'a', bake: 'long', maxFailures: 'many' })).toEqual({ bakeMs: 0, maxFailures: { kind: 'count', value: 0 }, requireApproval: false });
  });
});
