/**
 * Durations and count-or-percent values as users write them in manifests. Pure parsing and
 * arithmetic; the manifests keep the original strings, the rollout engine calls these to
 * get numbers.
 */

/** A value that is either an absolute count or a percent (0–100) of some total. */
export type CountOrPercent = { kind: 'count'; value: number } | { kind: 'percent'; value: number };

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

// Go's time.ParseDuration units (minus ns/us, which make no sense for rollouts) plus `d`.
// Units may appear at most once each and in descending order, so `30m1h` is refused as a
// likely typo rather than silently summed.
const DURATION = /^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/;

/** Largest duration accepted: 365 days. Longer values are almost certainly mistakes. */
export const MAX_DURATION_MS = 365 * UNIT_MS.d;

/**
 * Parses a Go-style duration (`300ms`, `30s`, `10m`, `1h30m`, `2h`, `1h0m30s`, `1.5h`) plus
 * days (`7d`, `1d12h`) into whole milliseconds. `0` alone means zero. Units must be in
 * descending order, each at most once; fractions are allowed on every unit except `ms`.
 * Returns `undefined` for anything else: empty strings, bare numbers other than `0`,
 * negative values, whitespace, unknown units, or more than {@link MAX_DURATION_MS}.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const parts: [string | undefined, number][] = [
    [match[1], UNIT_MS.d],
    [match[2], UNIT_MS.h],
    [match[3], UNIT_MS.m],
    [match[4], UNIT_MS.s],
    [match[5], UNIT_MS.ms],
  ];
  let total = 0;
  let seen = false;
  for (const [amount, unit] of parts) {
    if (amount === undefined) continue;
    seen = true;
    total += Number(amount) * unit;
  }
  if (!seen) return undefined;
  const ms = Math.round(total);
  return ms <= MAX_DURATION_MS ? ms : undefined;
}

const COUNT = /^\d+$/;
const PERCENT = /^(\d+)%$/;

/**
 * Parses a count (`3`, `"3"`) or a percent (`"25%"`). Counts are non-negative safe
 * integers; percents are integers from 0 to 100. Returns `undefined` for anything else
 * (negative, fractional, `"101%"`, `"3 %"`, a number with a `%` outside a string).
 */
export function parseCountOrPercent(value: number | string): CountOrPercent | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? { kind: 'count', value } : undefined;
  }
  if (COUNT.test(value)) {
    const count = Number(value);
    return Number.isSafeInteger(count) ? { kind: 'count', value: count } : undefined;
  }
  const percent = PERCENT.exec(value);
  if (!percent?.[1]) return undefined;
  const amount = Number(percent[1]);
  return amount <= 100 ? { kind: 'percent', value: amount } : undefined;
}

/**
 * Turns a count-or-percent into a number of items out of `total` (a non-negative integer).
 * A count is returned as is (not capped: callers compare it with what they have). A percent
 * is `total * value / 100`, rounded `up` (e.g. `maxConcurrent`, so at least one moves) or
 * `down` (e.g. `maxFailures`, so a tolerance is never exceeded by rounding). Integer
 * arithmetic avoids float error (`29% of 100` is exactly 29).
 */
export function resolveCountOrPercent(spec: CountOrPercent, total: number, rounding: 'up' | 'down'): number {
  if (spec.kind === 'count') return spec.value;
  const scaled = total * spec.value;
  const whole = Math.floor(scaled / 100);
  if (rounding === 'down') return whole;
  return scaled % 100 === 0 ? whole : whole + 1;
}
