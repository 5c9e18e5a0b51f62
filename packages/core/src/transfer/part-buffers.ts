/**
 * The memory of a ranged copy: at most `limit` part-sized buffers, reused from part to part. Reuse keeps
 * the copy's footprint at what it holds, not what it held: a freed 8 MiB buffer would otherwise count
 * until the garbage collector gets to it, and several of them would sit there at once. The buffers are
 * views of SharedArrayBuffers, so that the hashing thread reads a part without a copy of it.
 */

function allocate(size: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(size));
}

/**
 * @example
 * ```ts
 * const buffers = new PartBuffers(8 * 1024 * 1024, 6);
 * const buffer = await buffers.take(signal); // waits while 6 are out
 * // … fill it, store it …
 * buffers.give(buffer);
 * ```
 */
export class PartBuffers {
  private readonly free: Uint8Array[] = [];
  private readonly waiting: { resolve: (buffer: Uint8Array) => void; reject: (reason: unknown) => void }[] =
    [];
  private out = 0;

  constructor(
    private readonly size: number,
    /** Buffers out at once, at most. */
    readonly limit: number,
  ) {}

  /** Buffers handed out and not given back yet. */
  get inUse(): number {
    return this.out;
  }

  /** A buffer of `size` bytes (zeros, or a previous part's bytes), once fewer than `limit` are out; first come, first served. */
  take(signal: AbortSignal): Promise<Uint8Array> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.out < this.limit) {
      this.out++;
      return Promise.resolve(this.free.pop() ?? allocate(this.size));
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (buffer: Uint8Array) => {
          signal.removeEventListener("abort", onAbort);
          resolve(buffer);
        },
        reject,
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Returns a buffer nothing reads or writes any more: the next `take` gets it. */
  give(buffer: Uint8Array): void {
    const next = this.waiting.shift();
    if (next) next.resolve(buffer);
    else {
      this.out--;
      this.free.push(buffer);
    }
  }

  /** Frees the place of a buffer that may still be in use somewhere (a failed upload): it is not reused. */
  drop(): void {
    const next = this.waiting.shift();
    if (next) next.resolve(allocate(this.size));
    else this.out--;
  }
}
