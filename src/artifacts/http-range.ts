/**
 * Conditional and partial GET (RFC 9110 §13.1.2 If-None-Match, §14 Range). Only a single
 * byte range is served; a multi-range request gets the whole file (a server may ignore
 * Range), which is what download resumption needs.
 */

/** How to answer a GET for a representation of `size` bytes. */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/** Decides full, partial (inclusive `start`–`end`) or unsatisfiable (416) for `header`. */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // A syntactically invalid or multi-range header is ignored (RFC 9110 §14.2).
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'full' };
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/** True when `If-None-Match` holds `etag` or `*` (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const t = candidate.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/**
 * True when a Range should be honoured given `If-Range`: absent, or equal to the current
 * strong ETag. A date or a different ETag means "send the whole (changed) file".
 */
export function ifRangeAllows(ifRange: string | undefined, etag: string): boolean {
  return ifRange === undefined || ifRange.trim() === etag;
}
