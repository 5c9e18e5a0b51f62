/**
 * The memory of a ranged copy: at most `limit` part-sized buffers, reused from part to part. Reuse keeps
 * the copy's footprint at what it holds, not what it held: a freed 8 MiB buffer would otherwise count
 * until the garbage collector gets to it, and several of them would sit there at once. The buffers are
 * views of SharedArrayBuffers, so that the hashing thread reads a part without a copy of it.
 *
 * Buffers can be made ahead and prepared (their pages faulted in on the hashing thread, see
 * `warmOnThread`): by {@link preparePartBuffers} before a copy starts, or by the copy itself (`ahead`).
 * The first write into a fresh page is costly on the machines we measured, and the first round of parts
 * is when the main thread has the most else to do. A buffer is handed out only once it is prepared.
 */

function allocate(size: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(size));
}

/** How long buffers made ahead wait for a copy to take them before they are let go. */
const KEEP_PREPARED_MS = 60_000;

/** Buffers made ahead of a copy, by size, until a copy of that part size takes them. */
const prepared = new Map<number, { buffers: Uint8Array[]; timer: NodeJS.Timeout }>();
/** Buffers whose preparation is under way: when it is over (failed or not: the buffer works either way). */
const preparing = new WeakMap<Uint8Array, Promise<void>>();

function allocatePrepared(size: number, prepare: (buffer: Uint8Array) => Promise<void>): Uint8Array {
  const buffer = allocate(size);
  preparing.set(
    buffer,
    prepare(buffer).then(
      () => {},
      () => {},
    ),
  );
  return buffer;
}

/**
 * Makes `count` buffers of `size` bytes now, prepared with `prepare`, for the next copy of that part
 * size to take (a process that copies nothing lets them go after a minute). Buffers still waiting from
 * an earlier call count towards `count`.
 * @example
 * preparePartBuffers(8 * 1024 * 1024, 10, warmOnThread); // then fetch metadata; the copy takes them
 */
export function preparePartBuffers(
  size: number,
  count: number,
  prepare: (buffer: Uint8Array) => Promise<void>,
): void {
  const entry = prepared.get(size);
  const buffers = entry?.buffers ?? [];
  if (entry) clearTimeout(entry.timer);
  while (buffers.length < count) buffers.push(allocatePrepared(size, prepare));
  const timer = setTimeout(() => prepared.delete(size), KEEP_PREPARED_MS);
  timer.unref();
  prepared.set(size, { buffers, timer });
}

/** Up to `count` buffers of `size` made ahead, taken out of the pool, first made first. */
function takePrepared(size: number, count: number): Uint8Array[] {
  const entry = prepared.get(size);
  if (!entry) return [];
  const taken = entry.buffers.splice(0, count);
  if (entry.buffers.length === 0) {
    clearTimeout(entry.timer);
    prepared.delete(size);
  }
  return taken;
}

export interface PartBufferOptions {
  /** Readies a buffer made ahead (`ahead`); its failure is ignored (the buffer still works). */
  prepare?: (buffer: Uint8Array) => Promise<void>;
  /**
   * Buffers the copy will need, made now (those {@link preparePartBuffers} made first), at most `limit`.
   * Default none: each buffer is made when first taken.
   */
  ahead?: number;
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
    { prepare, ahead = 0 }: PartBufferOptions = {},
  ) {
    const wanted = Math.min(ahead, limit);
    const made = takePrepared(size, wanted);
    while (made.length < wanted) made.push(prepare ? allocatePrepared(size, prepare) : allocate(size));
    // Taken from the end: the first prepared goes first.
    this.free.push(...made.reverse());
  }

  /** Buffers handed out and not given back yet. */
  get inUse(): number {
    return this.out;
  }

  /** A buffer of `size` bytes (zeros, or a previous part's bytes), once fewer than `limit` are out; first come, first served. */
  take(signal: AbortSignal): Promise<Uint8Array> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.out < this.limit) {
      this.out++;
      const buffer = this.free.pop() ?? allocate(this.size);
      const ready = preparing.get(buffer);
      if (!ready) return Promise.resolve(buffer);
      return ready.then(() => {
        preparing.delete(buffer);
        return buffer;
      });
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
