/**
 * SHA-256 of an object being built where its bytes land (the folder store's file), read back from it in
 * part order as parts are written, for a copy that streams each part through small slices and never
 * holds it whole (part-through.ts). The reads come from the page cache the writes just filled; the
 * hashing runs on the hashing thread. Parts an earlier run stored are read back the same way, so a
 * resumed copy needs no read of the whole object once complete.
 */
import { messageOf, TransferError } from "../errors.js";
import { ThreadHash } from "../hash-thread.js";
import type { ObjectStore } from "../ports.js";
import { untilAborted } from "../until-aborted.js";
import { CopySuspended } from "./copy-suspended.js";
import { HashProgress } from "./hash-progress.js";

/**
 * Reading the stored parts back, or hashing them, failed: the parts themselves are as stored, and a
 * resumable copy keeps them for the next run (which checks each against its MD5 before reusing it).
 */
export class ReadBackFailed extends Error {
  constructor(cause: unknown) {
    super(messageOf(cause), { cause });
    this.name = "ReadBackFailed";
  }
}

/** Bytes read back and handed to the thread at a time. */
const READ = 1024 * 1024;

/**
 * @example
 * ```ts
 * const hash = new StoredHash((offset, into) => upload.readWritten(offset, into), partSize, total);
 * hash.written(2);
 * hash.written(1); // reads and hashes 1, then 2
 * await hash.whenHashedThrough(2);
 * await hash.digest(); // hex
 * ```
 */
export class StoredHash {
  private readonly hash = new ThreadHash();
  private readonly progress = new HashProgress();
  private readonly waiting = new Set<number>();
  /** Two buffers, so that one is read into while the thread hashes the other. */
  private buffers: Uint8Array[] | undefined;
  private next = 1;
  private running = false;
  private stopped = false;

  constructor(
    private readonly read: (offset: number, into: Uint8Array) => Promise<void>,
    private readonly partSize: number,
    private readonly total: number,
  ) {}

  /** Every part up to and including this one is hashed. */
  get hashedThrough(): number {
    return this.progress.through;
  }

  /**
   * Every byte of part `partNumber` is in the object (written by this copy, or stored by an earlier
   * run): it is read back once every part before it is hashed.
   */
  written(partNumber: number): void {
    if (partNumber >= this.next) this.waiting.add(partNumber);
    void this.pump();
  }

  /** Reading back or hashing failed: the copy need fetch no more parts. */
  get failed(): boolean {
    return this.progress.failed !== undefined;
  }

  /** Resolves once parts 1..`partNumber` are hashed; rejects on abort or when reading or hashing failed. */
  whenHashedThrough(partNumber: number, signal?: AbortSignal): Promise<void> {
    return this.progress.whenThrough(partNumber, signal);
  }

  /** The hex digest; only once every part is hashed. */
  async digest(): Promise<string> {
    const failed = this.progress.failed;
    if (failed) throw failed.error;
    if (this.progress.through * this.partSize < this.total) throw new Error("parts are still unhashed");
    return this.hash.digest();
  }

  /** Gives up on the hash (the copy failed or stopped): nothing more is read. */
  forget(): void {
    this.stopped = true;
    this.hash.forget();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.stopped && !this.progress.failed && this.waiting.has(this.next)) {
        const partNumber = this.next;
        await this.hashPart(partNumber);
        // Forgotten half-way through the part: it is not hashed, and nothing will ask.
        if (this.stopped) return;
        this.waiting.delete(partNumber);
        this.next++;
        this.progress.advance(partNumber);
      }
    } catch (error) {
      this.progress.fail(new ReadBackFailed(error));
    } finally {
      this.running = false;
    }
  }

  private async hashPart(partNumber: number): Promise<void> {
    const start = (partNumber - 1) * this.partSize;
    const end = Math.min(start + this.partSize, this.total);
    // Views of SharedArrayBuffers cross to the thread without a copy; made on first use.
    this.buffers ??= [0, 1].map(() => new Uint8Array(new SharedArrayBuffer(READ)));
    const reading: (Promise<void> | undefined)[] = [undefined, undefined];
    let turn = 0;
    for (let offset = start; offset < end && !this.stopped; offset += READ) {
      const which = turn++ % 2;
      // The thread has read this buffer's previous bytes before new ones go in.
      await reading[which];
      const view = (this.buffers[which] as Uint8Array).subarray(0, Math.min(READ, end - offset));
      await this.read(offset, view);
      // Forgotten meanwhile: an update now would start a hash on the thread that nothing ever digests.
      if (this.stopped) break;
      const update = this.hash.update(view);
      // Awaited below or on the buffer's next turn; a failure meanwhile must not count as unhandled.
      update.catch(() => {});
      reading[which] = update;
    }
    await Promise.all(reading);
  }
}

/**
 * SHA-256 of the object as the store holds it, read back (on the hashing thread): how a resumed copy
 * gets the whole file's checksum without fetching from Zoom again what an earlier run stored.
 */
export async function hashStoredObject(
  store: ObjectStore,
  key: string,
  { budget, signal }: { budget: AbortSignal | undefined; signal: AbortSignal },
  total: number,
): Promise<string> {
  const body = await store.read(key);
  if (!body) throw new TransferError(`${store.description}: ${key} vanished right after it was stored`);
  const hash = new ThreadHash();
  const chunks = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      // Out of time (Lambda): the next invocation finds the object complete and starts this read anew
      // with a whole invocation, rather than being killed here and fetching everything again.
      if (budget?.aborted) throw new CopySuspended(key, total, total);
      signal.throwIfAborted();
      // A read that stalls must not outlast a stop or the budget: a Ctrl+C waited for the socket's
      // timeout (minutes) with the stream's next chunk awaited alone.
      const next = await untilAborted(chunks.next(), signal, budget).catch(
        (error: unknown): typeof STOPPED => {
          // Stopped or out of time while the read stalled: the checks above say which.
          if (signal.aborted || budget?.aborted) return STOPPED;
          throw error;
        },
      );
      if (next === STOPPED) continue;
      if (next.done) break;
      await hash.update(next.value);
    }
  } catch (error) {
    hash.forget();
    // Lets the stream go (a Node stream's iterator destroys it); its own failure is not the news.
    void Promise.resolve(chunks.return?.()).catch(() => {});
    throw error;
  }
  return hash.digest();
}

const STOPPED = Symbol("stopped");
