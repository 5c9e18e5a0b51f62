/**
 * One retry policy for everything that talks over a network: Zoom's API, downloads, storage backends.
 * Exponential backoff with full jitter, capped; a server's Retry-After wins when it asked for longer.
 */

export interface RetryPolicy {
  /** Total tries including the first. Default 5. */
  attempts: number;
  /** Delay before the second try; doubles each time. Default 250 ms. */
  baseDelayMs: number;
  /** Our own backoff never waits longer than this. Default 30 s. */
  maxDelayMs: number;
  /** A server's Retry-After is honoured up to this; callers refuse longer waits themselves. Default 60 s. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

export interface RetryOptions extends Partial<RetryPolicy> {
  /** Whether this error is worth another try. */
  retryable: (error: unknown) => boolean;
  /** A wait the server asked for (Retry-After), in ms, if the error carries one. */
  retryAfterMs?: (error: unknown) => number | undefined;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  signal?: AbortSignal;
  /** Injected in tests to avoid real waits. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Runs `task` until it succeeds, the error is not retryable, or the attempts are used up. */
export async function withRetry<T>(task: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = { ...defaultRetryPolicy, ...options };
  const sleep = options.sleep ?? sleepFor;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !options.retryable(error) || options.signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, policy, options.retryAfterMs?.(error));
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

/** The wait after failed try number `attempt` (1-based). */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  return Math.max(jittered, Math.min(policy.maxRetryAfterMs, retryAfterMs ?? 0));
}

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Parses a Retry-After header: delta-seconds or an HTTP date (ISO dates too, which Zoom's daily limit
 * uses). Returns milliseconds from `now`, never negative; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
