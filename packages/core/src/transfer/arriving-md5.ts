/**
 * A part's MD5 computed on the hashing thread while its bytes arrive, a slice at a time, for a store
 * that wants it (the folder store's S3-style ETag: `MultipartUpload.takesPartMd5`). Computed once the
 * part was whole, the MD5s of the last round's parts (8 at 8 in flight) were ~130 ms of hashing after
 * the file's last byte had arrived (MD5 is ~70% of the thread's hashing, SHA-256 the rest); as the
 * bytes arrive, all but each part's last slice is done by then.
 */
import { ThreadHash } from "../hash-thread.js";

/** Bytes handed to the thread at a time: 8 messages for an 8 MiB part. */
const SLICE = 1024 * 1024;

/**
 * @example
 * ```ts
 * const md5 = new ArrivingMd5();
 * await md5.start(buffer); // before each try reads into the buffer from its start
 * md5.filled(3 * 1024 * 1024); // the first 3 MiB of the buffer are this try's bytes
 * const hex = await md5.finish(partLength);
 * ```
 */
export class ArrivingMd5 {
  private hash: ThreadHash | undefined;
  private buffer: Uint8Array | undefined;
  /** Bytes of the buffer handed to the thread so far. */
  private sent = 0;
  /** Slices the thread has not read yet: the buffer must not be written over before they are. */
  private reading: Promise<void>[] = [];
  private failure: { error: unknown } | undefined;

  /** A try is about to read into `buffer` from its start: what an earlier try sent is dropped. */
  async start(buffer: Uint8Array): Promise<void> {
    await this.settle();
    this.hash?.forget();
    this.hash = new ThreadHash("md5");
    this.buffer = buffer;
    this.sent = 0;
    this.failure = undefined;
  }

  /** The first `filled` bytes of the buffer are this try's and will not change. */
  filled(filled: number): void {
    while (filled - this.sent >= SLICE) this.send(this.sent + SLICE);
  }

  /** The MD5 (hex) of the first `length` bytes of the buffer, which are all this try's. */
  async finish(length: number): Promise<string> {
    const hash = this.hash;
    if (!hash) throw new Error("ArrivingMd5.finish before start");
    if (length > this.sent) this.send(length);
    await this.settle();
    if (this.failure) throw this.failure.error;
    this.hash = undefined;
    return hash.digest();
  }

  /** Gives the hash up (the part failed); the buffer may be reused once this resolves. */
  async forget(): Promise<void> {
    await this.settle();
    this.hash?.forget();
    this.hash = undefined;
  }

  private send(end: number): void {
    const { hash, buffer } = this;
    if (!hash || !buffer) return;
    const read = hash.update(buffer.subarray(this.sent, end)).catch((error: unknown) => {
      this.failure ??= { error };
    });
    this.reading.push(read);
    this.sent = end;
  }

  private async settle(): Promise<void> {
    const reading = this.reading;
    this.reading = [];
    await Promise.all(reading);
  }
}
