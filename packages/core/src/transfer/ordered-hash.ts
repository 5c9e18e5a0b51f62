/**
 * SHA-256 of a file whose parts arrive out of order, computed on the hashing thread (hash-thread.ts). A
 * part goes there as soon as every earlier part has; until then it is held, which is why the copy bounds
 * how far ahead of the lowest unhashed part it fetches. A part counts as hashed once the thread has read
 * it: from then on its bytes may be reused.
 */
import { ThreadHash } from "../hash-thread.js";

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
 * const hash = new OrderedHash();
 * hash.add(2, partTwo);
 * hash.add(1, partOne); // hashes 1, then 2
 * await hash.whenHashedThrough(2);
 * await hash.digest(); // hex
 * ```
 */
export class OrderedHash {
  private readonly hash = new ThreadHash();
  private readonly held = new Map<number, Uint8Array>();
  /** The next part to hand to the thread. */
  private next = 1;
  private hashed = 0;
  private failure: { error: unknown } | undefined;
  private waiters: Waiter[] = [];
  /** Set by {@link OrderedHash.stopHashing}: parts only keep their order, no digest will be made. */
  private counting = false;

  /** Every part up to and including this one is hashed. */
  get hashedThrough(): number {
    return this.hashed;
  }

  /** Parts received but not hashed yet (each one is memory the copy holds). */
  get heldParts(): number {
    return this.held.size;
  }

  /** Hands over part `partNumber` (1-based); the bytes must not change until it is hashed. */
  add(partNumber: number, bytes: Uint8Array): void {
    if (partNumber < this.next || this.held.has(partNumber)) {
      throw new Error(`part ${partNumber} was given to the hash twice`);
    }
    this.held.set(partNumber, bytes);
    for (let part = this.held.get(this.next); part; part = this.held.get(this.next)) {
      const number = this.next++;
      if (this.counting) {
        this.held.delete(number);
        this.hashed = number;
        this.wake();
        continue;
      }
      this.hash.update(part).then(
        () => {
          this.held.delete(number);
          this.hashed = number;
          this.wake();
        },
        (error: unknown) => this.fail(error),
      );
    }
  }

  /**
   * Resolves once parts 1..`partNumber` are hashed; rejects with the signal's reason if it aborts first,
   * or with the thread's error if hashing failed.
   */
  whenHashedThrough(partNumber: number, signal?: AbortSignal): Promise<void> {
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

  /** The hex digest; only once every part is hashed. */
  async digest(): Promise<string> {
    if (this.held.size > 0) throw new Error("parts are still waiting to be hashed");
    if (this.counting) throw new Error("this hash only counted parts");
    if (this.failure) throw this.failure.error;
    return this.hash.digest();
  }

  /**
   * From now on parts are only counted in order (a resumed copy, whose earlier parts this process never
   * saw, hashes the stored object afterwards instead); {@link OrderedHash.digest} refuses.
   */
  stopHashing(): void {
    this.counting = true;
    this.hash.forget();
  }

  /** Gives up on the hash (the copy failed): nothing is digested. */
  forget(): void {
    this.hash.forget();
  }

  private fail(error: unknown): void {
    this.failure ??= { error };
    for (const waiter of this.waiters.splice(0)) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.reject(this.failure.error);
    }
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => w.through <= this.hashed);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.through > this.hashed);
    for (const waiter of ready) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve();
    }
  }
}
