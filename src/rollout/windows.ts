/**
 * Maintenance windows (`spec.windows`): new offers are made only while one is open. Local
 * wall-clock time comes from `Intl` (pure: no clock is read, `now` is given).
 */
import type { MaintenanceWindow, Weekday } from '../manifests/types.ts';

const WEEKDAYS: readonly Weekday[] = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MINUTES_PER_DAY = 1440;
const MINUTE_MS = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local weekday (0 = Sunday) and minute of the day of `now` in `timeZone`. */
interface LocalTime {
  day: number;
  minute: number;
}

/** Whether new offers are allowed at `now`: always when no window is declared. */
export function isWindowOpen(windows: readonly MaintenanceWindow[] | undefined, now: number): boolean {
  if (windows === undefined || windows.length === 0) return true;
  return windows.some((window) => isOpen(window, localTime(now, window.timeZone)));
}

/**
 * The next minute (epoch ms) at which some window starts or ends, or `undefined` without
 * windows. Computed on the local wall clock; across a daylight-saving change it may be an
 * hour early, which only costs one extra plan (the planner re-checks at that time).
 */
export function nextWindowChange(windows: readonly MaintenanceWindow[] | undefined, now: number): number | undefined {
  if (windows === undefined || windows.length === 0) return undefined;
  let best = MINUTES_PER_DAY;
  for (const window of windows) {
    const { minute } = localTime(now, window.timeZone);
    for (const edge of [parseClock(window.start), parseClock(window.end)]) {
      const ahead = (edge - minute + MINUTES_PER_DAY) % MINUTES_PER_DAY;
      best = Math.min(best, ahead === 0 ? MINUTES_PER_DAY : ahead);
    }
  }
  return now - (now % MINUTE_MS) + best * MINUTE_MS;
}

function isOpen(window: MaintenanceWindow, local: LocalTime): boolean {
  const start = parseClock(window.start);
  const end = parseClock(window.end);
  const onDay = (day: number): boolean => window.days === undefined || window.days.includes(WEEKDAYS[day] as Weekday);
  if (start === end) return onDay(local.day);
  if (start < end) return onDay(local.day) && local.minute >= start && local.minute < end;
  // Crosses midnight: the part after midnight belongs to the day the window opened.
  if (local.minute >= start) return onDay(local.day);
  return local.minute < end && onDay((local.day + 6) % 7);
}

/** Minutes since midnight of `HH:MM`; unparsable values count as 00:00. */
function parseClock(text: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) return 0;
  return (Number(match[1]) * 60 + Number(match[2])) % MINUTES_PER_DAY;
}

function localTime(now: number, timeZone: string | undefined): LocalTime {
  const parts = formatterFor(timeZone ?? 'UTC').formatToParts(now);
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of parts) {
    if (part.type === 'weekday') day = Math.max(0, WEEKDAYS.indexOf(part.value as Weekday));
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

/** Cached per zone; an unknown zone (the loader rejects them) falls back to UTC. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    const options = { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
    try {
      formatter = new Intl.DateTimeFormat('en-US', { ...options, timeZone });
    } catch {
      formatter = new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' });
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}
