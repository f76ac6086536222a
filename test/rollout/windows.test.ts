import { describe, expect, it } from 'vitest';
import type { MaintenanceWindow } from '../../src/manifests/types.ts';
import { isWindowOpen, nextWindowChange } from '../../src/rollout/windows.ts';

// 2026-11-21 is a Saturday.
const at = (iso: string): number => Date.parse(iso);

describe('isWindowOpen', () => {
  const cases: { name: string; windows: MaintenanceWindow[] | undefined; now: string; want: boolean }[] = [
    { name: 'no windows: always open', windows: undefined, now: '2026-11-21T03:00:00Z', want: true },
    { name: 'empty list: always open', windows: [], now: '2026-11-21T03:00:00Z', want: true },
    { name: 'inside a UTC window', windows: [{ start: '08:00', end: '10:00' }], now: '2026-11-21T09:59:00Z', want: true },
    { name: 'end is exclusive', windows: [{ start: '08:00', end: '10:00' }], now: '2026-11-21T10:00:00Z', want: false },
    { name: 'start is inclusive', windows: [{ start: '08:00', end: '10:00' }], now: '2026-11-21T08:00:00Z', want: true },
    { name: 'wrong day', windows: [{ days: ['Mon', 'Tue'], start: '08:00', end: '10:00' }], now: '2026-11-21T09:00:00Z', want: false },
    { name: 'right day', windows: [{ days: ['Sat'], start: '08:00', end: '10:00' }], now: '2026-11-21T09:00:00Z', want: true },
    { name: 'time zone shifts the window (Berlin is UTC+1 in November)', windows: [{ start: '09:00', end: '10:00', timeZone: 'Europe/Berlin' }], now: '2026-11-21T09:30:00Z', want: false },
    { name: 'time zone, inside', windows: [{ start: '10:00', end: '11:00', timeZone: 'Europe/Berlin' }], now: '2026-11-21T09:30:00Z', want: true },
    { name: 'crossing midnight, before midnight', windows: [{ days: ['Sat'], start: '22:00', end: '02:00' }], now: '2026-11-21T23:00:00Z', want: true },
    { name: 'crossing midnight, after midnight belongs to the opening day', windows: [{ days: ['Sat'], start: '22:00', end: '02:00' }], now: '2026-11-22T01:00:00Z', want: true },
    { name: 'crossing midnight, after midnight of a day not listed', windows: [{ days: ['Sun'], start: '22:00', end: '02:00' }], now: '2026-11-22T01:00:00Z', want: false },
    { name: 'crossing midnight, outside', windows: [{ start: '22:00', end: '02:00' }], now: '2026-11-22T03:00:00Z', want: false },
    { name: 'start equals end: the whole day', windows: [{ days: ['Sat'], start: '00:00', end: '00:00' }], now: '2026-11-21T17:00:00Z', want: true },
    { name: 'any window suffices', windows: [{ start: '01:00', end: '02:00' }, { start: '09:00', end: '09:30' }], now: '2026-11-21T09:10:00Z', want: true },
    { name: 'unknown zone falls back to UTC', windows: [{ start: '09:00', end: '10:00', timeZone: 'Mars/Olympus' }], now: '2026-11-21T09:30:00Z', want: true },
    { name: 'unparsable clock counts as 00:00', windows: [{ start: 'soon', end: '10:00' }], now: '2026-11-21T09:30:00Z', want: true },
  ];
  it.each(cases)('$name', ({ windows, now, want }) => {
    expect(isWindowOpen(windows, at(now))).toBe(want);
  });
});

describe('nextWindowChange', () => {
  it('is undefined without windows', () => {
    expect(nextWindowChange(undefined, 0)).toBeUndefined();
    expect(nextWindowChange([], 0)).toBeUndefined();
  });
  it('is the next start or end on the local clock, minute-aligned', () => {
    const windows: MaintenanceWindow[] = [{ start: '10:00', end: '11:00', timeZone: 'Europe/Berlin' }];
    expect(nextWindowChange(windows, at('2026-11-21T08:30:20Z'))).toBe(at('2026-11-21T09:00:00Z'));
    expect(nextWindowChange(windows, at('2026-11-21T09:15:00Z'))).toBe(at('2026-11-21T10:00:00Z'));
    // Exactly on an edge: the next change is the other edge, not now.
    expect(nextWindowChange(windows, at('2026-11-21T09:00:00Z'))).toBe(at('2026-11-21T10:00:00Z'));
    expect(nextWindowChange([{ start: '00:00', end: '00:00' }], at('2026-11-21T00:00:00Z'))).toBe(at('2026-11-22T00:00:00Z'));
  });
});
