import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_DURATION_MS, parseCountOrPercent, parseDuration, resolveCountOrPercent } from '../../src/manifests/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['300ms', 300],
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1h0m30s', 3_630_000],
    ['1.5h', 5_400_000],
    ['1m30s500ms', 90_500],
    ['7d', 604_800_000],
    ['1d12h', 129_600_000],
    ['365d', MAX_DURATION_MS],
  ])('parses %s as %d ms', (text, want) => {
    expect(parseDuration(text)).toBe(want);
  });

  it.each(['', '10', '-5m', '5 m', ' 5m', '5M', '1y', '30m1h', '1h1h', 'h', '1.5ms', '.5h', 'ms', '366d', '1e3s', '5m '])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it('round-trips every composition of units', () => {
    fc.assert(
      fc.property(fc.nat(30), fc.nat(23), fc.nat(59), fc.nat(59), (d, h, m, s) => {
        const text = `${d}d${h}h${m}m${s}s`;
        expect(parseDuration(text)).toBe(((d * 24 + h) * 60 + m) * 60_000 + s * 1000);
      }),
    );
  });
});

describe('parseCountOrPercent', () => {
  it.each<[number | string, unknown]>([
    [3, { kind: 'count', value: 3 }],
    [0, { kind: 'count', value: 0 }],
    ['3', { kind: 'count', value: 3 }],
    ['25%', { kind: 'percent', value: 25 }],
    ['0%', { kind: 'percent', value: 0 }],
    ['100%', { kind: 'percent', value: 100 }],
  ])('parses %j', (value, want) => {
    expect(parseCountOrPercent(value)).toEqual(want);
  });

  it.each<number | string>([-1, 1.5, Number.NaN, Infinity, '', '-1', '1.5', '101%', '25 %', '%', '2.5%', 'x', '-5%'])(
    'refuses %j',
    (value) => {
      expect(parseCountOrPercent(value)).toBeUndefined();
    },
  );
});

describe('resolveCountOrPercent', () => {
  it.each<[string, Parameters<typeof resolveCountOrPercent>, number]>([
    ['count ignores total', [{ kind: 'count', value: 3 }, 100, 'up'], 3],
    ['percent exact', [{ kind: 'percent', value: 25 }, 100, 'up'], 25],
    ['percent rounds up', [{ kind: 'percent', value: 25 }, 10, 'up'], 3],
    ['percent rounds down', [{ kind: 'percent', value: 25 }, 10, 'down'], 2],
    ['29% of 100 is exact', [{ kind: 'percent', value: 29 }, 100, 'down'], 29],
    ['0% is 0', [{ kind: 'percent', value: 0 }, 10, 'up'], 0],
    ['1% of 1 up is 1', [{ kind: 'percent', value: 1 }, 1, 'up'], 1],
    ['of nothing is nothing', [{ kind: 'percent', value: 50 }, 0, 'up'], 0],
  ])('%s', (_name, args, want) => {
    expect(resolveCountOrPercent(...args)).toBe(want);
  });

  it('never exceeds the total and up >= down', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.nat(100_000), (pct, total) => {
        const spec = { kind: 'percent', value: pct } as const;
        const up = resolveCountOrPercent(spec, total, 'up');
        const down = resolveCountOrPercent(spec, total, 'down');
        expect(up).toBeLessThanOrEqual(total);
        expect(down).toBeLessThanOrEqual(up);
        expect(up - down).toBeLessThanOrEqual(1);
      }),
    );
  });
});
