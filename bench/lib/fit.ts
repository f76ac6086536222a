/**
 * Small statistics for benchmark reports: medians and least-squares lines.
 */

/** The median of `values` (which must not be empty). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A least-squares line y = intercept + slope·x through at least two distinct x. */
export function fitLine(points: readonly { x: number; y: number }[]): { slope: number; intercept: number } {
  const n = points.length;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  const sxx = points.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** "met (x ≤ target)" or "MISSED by y×", for the notes under a table. */
export function verdict(label: string, value: number, target: number, unit: string, atMost = true): string {
  const ok = atMost ? value <= target : value >= target;
  const factor = atMost ? value / target : target / value;
  const shown = (v: number): string => `${Number(v.toPrecision(3))}${unit}`;
  return `${label}: ${shown(value)} vs target ${atMost ? '≤' : '≥'} ${shown(target)} — ${ok ? 'met' : `MISSED by ${factor.toFixed(2)}×`}`;
}
