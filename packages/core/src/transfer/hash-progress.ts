/**
 * How far a hash taken in part order has got (parts 1..n hashed), with waits for a part number: what
 * both ways of hashing a ranged copy share (ordered-hash.ts from the part buffers, stored-hash.ts from
 * the object being built).
 */

interface Waiter {
  through: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * @example
 * ```ts
 * const progress = new HashProgress();
 * const waiting = progress.whenThrough(2);
 * progress.advance(2); // waiting resolves
 * ```
 */
export class HashProgress {
  private hashed = 0;
  private failure: { error: unknown } | undefined;
  private waiters: Waiter[] = [];

  /** Every part up to and including this one is hashed. */
  get through(): number {
    return this.hashed;
  }

  /** The hash failed for good: why. */
  get failed(): { error: unknown } | undefined {
    return this.failure;
  }

  /** Parts 1..`partNumber` are hashed. */
  advance(partNumber: number): void {
    this.hashed = partNumber;
    const ready = this.waiters.filter((w) => w.through <= partNumber);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.through > partNumber);
    for (const waiter of ready) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve();
    }
  }

  /** The hash failed: every wait, now and later, rejects with `error` (the first one given). */
  fail(error: unknown): void {
    this.failure ??= { error };
    for (const waiter of this.waiters.splice(0)) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.reject(this.failure.error);
    }
  }

  /**
   * Resolves once parts 1..`partNumber` are hashed; rejects with the signal's reason if it aborts first,
   * or with the hash's error if it failed.
   */
  whenThrough(partNumber: number, signal?: AbortSignal): Promise<void> {
    if (partNumber <= this.hashed) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure.error);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        through: partNumber,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
}
