/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"): the delay is random in [base/2, base] where base doubles per attempt up to a cap,
 * so a fleet that lost its server does not come back in lockstep.
 */

/** Backoff bounds, ms. */
export interface BackoffOptions {
  /** First delay, ms. */
  initialMs: number;
  /** Cap, ms. */
  maxMs: number;
  /** Random source in [0, 1); injectable so tests and simulators are reproducible. */
  random?: () => number;
}

/** A stateful delay sequence for one retry loop. */
export interface Backoff {
  /** The delay before the next attempt; each call counts as one failed attempt. */
  next(): number;
  /** Forget the failures (after a success). */
  reset(): void;
  readonly attempts: number;
}

/** Creates a backoff sequence; `next()` never returns more than `maxMs`. */
export function createBackoff(options: BackoffOptions): Backoff {
  const random = options.random ?? Math.random;
  let attempts = 0;
  return {
    next() {
      const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempts, 30));
      attempts += 1;
      return Math.round(base / 2 + (random() * base) / 2);
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}

/** A seeded PRNG (mulberry32) for reproducible jitter and simulated failures. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
