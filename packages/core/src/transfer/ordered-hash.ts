/**
 * SHA-256 of a file whose parts arrive out of order. A part is hashed as soon as every earlier part is;
 * until then it is held, which is why the copy bounds how far ahead of the lowest unhashed part it fetches.
 */
import { createHash } from "node:crypto";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";

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
 * hash.digest(); // hex
 * ```
 */
export class OrderedHash {
  private readonly hash = createHash("sha256");
  private readonly held = new Map<number, Uint8Array>();
  private next = 1;
  private draining = false;
  private waiters: Waiter[] = [];

  /** Every part up to and including this one is hashed. */
  get hashedThrough(): number {
    return this.next - 1;
  }

  /** Parts received but not hashed yet (each one is memory the copy holds). */
  get heldParts(): number {
    return this.held.size;
  }

  /** Hands over part `partNumber` (1-based); the bytes must not change afterwards. */
  add(partNumber: number, bytes: Uint8Array): void {
    if (partNumber < this.next || this.held.has(partNumber)) {
      throw new Error(`part ${partNumber} was given to the hash twice`);
    }
    this.held.set(partNumber, bytes);
    if (!this.draining) void this.drain();
  }

  /** Resolves once parts 1..`partNumber` are hashed; rejects with the signal's reason if it aborts first. */
  whenHashedThrough(partNumber: number, signal?: AbortSignal): Promise<void> {
    if (partNumber <= this.hashedThrough) return Promise.resolve();
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
  digest(): string {
    if (this.held.size > 0) throw new Error("parts are still waiting to be hashed");
    return this.hash.digest("hex");
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let bytes = this.held.get(this.next); bytes; bytes = this.held.get(this.next)) {
        this.hash.update(bytes);
        this.held.delete(this.next);
        this.next++;
        this.wake();
        // A late part 1 may release many parts at once: let sockets breathe between them.
        if (this.held.has(this.next)) await yieldToEventLoop();
      }
    } finally {
      this.draining = false;
    }
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => w.through <= this.hashedThrough);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.through > this.hashedThrough);
    for (const waiter of ready) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve();
    }
  }
}
