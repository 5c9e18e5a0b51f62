/**
 * SHA-256 of a file whose parts arrive out of order, computed on the hashing thread (hash-thread.ts). A
 * part goes there as soon as every earlier part has; until then it is held, which is why the copy bounds
 * how far ahead of the lowest unhashed part it fetches. A part counts as hashed once the thread has read
 * it: from then on its bytes may be reused.
 */
import { ThreadHash } from "../hash-thread.js";
import { HashProgress } from "./hash-progress.js";

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
  private readonly progress = new HashProgress();
  /** Set by {@link OrderedHash.stopHashing}: parts only keep their order, no digest will be made. */
  private counting = false;

  /** Every part up to and including this one is hashed. */
  get hashedThrough(): number {
    return this.progress.through;
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
        this.progress.advance(number);
        continue;
      }
      this.hash.update(part).then(
        () => {
          this.held.delete(number);
          this.progress.advance(number);
        },
        (error: unknown) => this.progress.fail(error),
      );
    }
  }

  /**
   * Resolves once parts 1..`partNumber` are hashed; rejects with the signal's reason if it aborts first,
   * or with the thread's error if hashing failed.
   */
  whenHashedThrough(partNumber: number, signal?: AbortSignal): Promise<void> {
    return this.progress.whenThrough(partNumber, signal);
  }

  /** The hex digest; only once every part is hashed. */
  async digest(): Promise<string> {
    if (this.held.size > 0) throw new Error("parts are still waiting to be hashed");
    if (this.counting) throw new Error("this hash only counted parts");
    const failed = this.progress.failed;
    if (failed) throw failed.error;
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
}
