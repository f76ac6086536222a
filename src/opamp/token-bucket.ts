/**
 * Per-agent message rate limiting: a token bucket refilled at `rate` per second up to
 * `burst`. Time comes from the caller so tests can drive it.
 */
export interface TokenBucket {
  /** Takes one token if available. */
  take(now: number): boolean;
  /** Seconds until a token will be available (0 when one is). */
  waitSeconds(now: number): number;
}

/** A full bucket of `burst` tokens refilled at `rate` per second, starting at `now` (ms). */
export function createTokenBucket(rate: number, burst: number, now: number): TokenBucket {
  let tokens = burst;
  let updated = now;
  const refill = (at: number): void => {
    tokens = Math.min(burst, tokens + (Math.max(0, at - updated) / 1000) * rate);
    updated = Math.max(updated, at);
  };
  return {
    take(at) {
      refill(at);
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    waitSeconds(at) {
      refill(at);
      return tokens >= 1 ? 0 : (1 - tokens) / rate;
    },
  };
}
