/**
 * Timestamps: epoch milliseconds inside the planner, RFC 3339 (UTC, `Z`) in statuses.
 * Formatting is lossless (milliseconds are kept when not zero), so that reading a status
 * back gives the exact instant the planner decided on — replanning stays idempotent.
 */

/** RFC 3339 in UTC: `2026-11-21T09:00:00Z`, or `…09:00:00.250Z` when milliseconds are set. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Epoch ms of an RFC 3339 string; `undefined` when absent or unparsable. */
export function parseTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
