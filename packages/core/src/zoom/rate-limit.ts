/**
 * One token bucket per Zoom account, shared by every client of the process: Zoom's per-second limits
 * count an account's requests, whichever stage or sweep sends them. On top of this, a 429 is still
 * retried with its Retry-After (http.ts).
 */

export interface RateLimiter {
  /** Resolves when a request may be sent. */
  take(): Promise<void>;
}

const buckets = new Map<string, RateLimiter>();

/**
 * The bucket of `accountId` (made on first use, at `perSecond`; a later rate for the same account
 * replaces the old one's refill rate).
 *
 * @example
 * const limiter = rateLimiterFor(account.accountId, config.zoom.maxRequestsPerSecond);
 * await limiter.take();
 */
export function rateLimiterFor(
  accountId: string,
  perSecond: number,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> } = defaultClock,
): RateLimiter {
  const key = `${accountId}\u0000${perSecond}`;
  let limiter = buckets.get(key);
  if (!limiter) {
    limiter = tokenBucket(perSecond, clock);
    buckets.set(key, limiter);
  }
  return limiter;
}

/** A bucket holding up to `perSecond` tokens (at least 1), refilled continuously; waiters go in order. */
export function tokenBucket(
  perSecond: number,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> } = defaultClock,
): RateLimiter {
  const capacity = Math.max(1, perSecond);
  let tokens = capacity;
  let last = clock.now();
  let queue: Promise<void> = Promise.resolve();
  const refill = () => {
    const now = clock.now();
    tokens = Math.min(capacity, tokens + ((now - last) / 1000) * perSecond);
    last = now;
  };
  return {
    take() {
      const turn = queue.then(async () => {
        refill();
        while (tokens < 1) {
          await clock.sleep(Math.ceil(((1 - tokens) / perSecond) * 1000));
          refill();
        }
        tokens -= 1;
      });
      queue = turn;
      return turn;
    },
  };
}

const defaultClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};
