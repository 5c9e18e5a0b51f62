/**
 * One request to a {@link ByteSource}, watched. A server that sends nothing for `idleTimeoutMs` (no
 * headers, or no next chunk) gets its request aborted with an {@link IdleTimeoutError}, which is worth a
 * retry; the copy's signal aborts it at once. Reading stops the moment either happens, even when a
 * source's body never notices its signal, so one stalled socket cannot hang a whole copy.
 */
import type { ByteRange, ByteSource, SourceResponse } from "./source.js";

/** A response that sent no bytes for too long. Retryable: the next request usually flows. */
export class IdleTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: the server sent nothing for ${ms} ms`);
    this.name = "IdleTimeoutError";
  }
}

/** A body shorter or longer than the bytes it announced; retryable. */
export class BodyLengthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BodyLengthError";
  }
}

export interface GuardOptions {
  /** The copy's signal: aborting it aborts this request. */
  signal: AbortSignal;
  idleTimeoutMs: number;
  /** Names the request in messages, e.g. `part 3 (bytes 16777216-25165823)`. */
  what: string;
}

/**
 * A watchdog plus a per-request AbortController. `watch(p)` settles with `p`, or rejects with the abort
 * reason as soon as the request is aborted; only time spent waiting on the source counts as idle, not
 * time the consumer (a slow store) takes between reads.
 */
class Guard {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private rejectPending: ((reason: unknown) => void) | undefined;
  private readonly onParentAbort = () => this.controller.abort(this.options.signal.reason);

  constructor(private readonly options: GuardOptions) {
    this.controller.signal.addEventListener(
      "abort",
      () => this.rejectPending?.(this.controller.signal.reason),
      {
        once: true,
      },
    );
    if (options.signal.aborted) this.onParentAbort();
    else options.signal.addEventListener("abort", this.onParentAbort, { once: true });
  }

  watch<T>(promise: Promise<T>): Promise<T> {
    const { signal } = this.controller;
    if (signal.aborted) {
      promise.catch(() => {});
      return Promise.reject(signal.reason);
    }
    this.arm();
    return new Promise<T>((resolve, reject) => {
      this.rejectPending = reject;
      const settle = () => {
        this.disarm();
        this.rejectPending = undefined;
      };
      promise.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }

  abort(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    this.dispose();
  }

  dispose(): void {
    this.disarm();
    this.options.signal.removeEventListener("abort", this.onParentAbort);
  }

  private arm(): void {
    if (this.timer) this.timer.refresh();
    else {
      const { what, idleTimeoutMs } = this.options;
      this.timer = setTimeout(
        () => this.controller.abort(new IdleTimeoutError(what, idleTimeoutMs)),
        idleTimeoutMs,
      );
    }
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * A response whose body is read at most once, by {@link readExactly} or {@link chunks}.
 *
 * @example
 * ```ts
 * const res = await GuardedResponse.open(source, { start: 0, end: 1023 }, { signal, idleTimeoutMs: 30_000, what: "part 1" });
 * const bytes = await res.readExactly(1024);
 * ```
 */
export class GuardedResponse {
  private released = false;

  private constructor(
    readonly response: SourceResponse,
    private readonly guard: Guard,
    private readonly what: string,
  ) {}

  static async open(
    source: ByteSource,
    range: ByteRange | undefined,
    options: GuardOptions,
  ): Promise<GuardedResponse> {
    const guard = new Guard(options);
    // A source that throws synchronously still ends up in the catch below, which frees the guard.
    const fetching = new Promise<SourceResponse>((resolve) =>
      resolve(source.fetch(range, guard.controller.signal)),
    );
    try {
      return new GuardedResponse(await guard.watch(fetching), guard, options.what);
    } catch (error) {
      guard.abort(error);
      // The source may still answer after we gave up on it: free that connection too.
      fetching.then((late) => late.discard()).catch(() => {});
      throw error;
    }
  }

  /**
   * Reads the whole body into one buffer of `length` bytes: no chunk list, no concat copy. The bytes go
   * into the start of `into` when given (at least `length` bytes long), else into a new buffer.
   * A body shorter or longer than `length` is a {@link BodyLengthError}.
   */
  async readExactly(length: number, into?: Uint8Array): Promise<Uint8Array> {
    if (into !== undefined && into.length < length) {
      throw new RangeError(`${this.what}: a buffer of ${into.length} bytes cannot hold ${length}`);
    }
    const bytes = into === undefined ? new Uint8Array(length) : into.subarray(0, length);
    let filled = 0;
    const iterator = this.response.body[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await this.guard.watch(iterator.next());
        if (next.done) break;
        const chunk = next.value;
        if (filled + chunk.length > length) {
          throw new BodyLengthError(`${this.what}: the server sent more than the ${length} bytes asked for`);
        }
        bytes.set(chunk, filled);
        filled += chunk.length;
      }
      if (filled < length) {
        throw new BodyLengthError(`${this.what}: the body ended after ${filled} of ${length} bytes`);
      }
    } catch (error) {
      this.abandon(error, iterator);
      throw error;
    }
    this.finish();
    return bytes;
  }

  /** The body chunk by chunk; stopping early (break, throw) releases the connection. */
  async *chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    const iterator = this.response.body[Symbol.asyncIterator]();
    let ended = false;
    try {
      for (;;) {
        const next = await this.guard.watch(iterator.next());
        if (next.done) {
          ended = true;
          return;
        }
        yield next.value;
      }
    } catch (error) {
      this.abandon(error, iterator);
      throw error;
    } finally {
      if (ended) this.finish();
      else this.abandon(new Error(`${this.what}: reading stopped early`), iterator);
    }
  }

  /** Gives up on a body that will not be read; safe to call more than once. */
  release(reason: unknown = new Error(`${this.what}: not needed`)): void {
    this.abandon(reason);
  }

  private finish(): void {
    this.released = true;
    this.guard.dispose();
  }

  private abandon(reason: unknown, iterator?: AsyncIterator<Uint8Array>): void {
    if (this.released) return;
    this.released = true;
    this.guard.abort(reason);
    iterator?.return?.().catch(() => {});
    this.response.discard().catch(() => {});
  }
}
