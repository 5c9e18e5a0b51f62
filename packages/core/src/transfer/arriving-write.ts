/**
 * A part's bytes written to their place in the store's object while they arrive, a slice at a time, for
 * a store whose object is being built where the bytes land (the folder store's one file:
 * `MultipartUpload.writeArriving`). Written only once the part was whole, the last round's parts (8 ×
 * 8 MiB at 8 in flight) all went to disk after the file's last byte had arrived: on this project's
 * benchmark machine a fresh page of the page cache costs ~15 µs, so ~60 ms of writing came after the
 * network was done. As the bytes arrive, only each part's last slice is left by then.
 *
 * Nothing here decides what is stored: a part counts once `uploadPart` has taken it, which writes what
 * this did not (all of it after a failed write) and checkpoints it. Bytes written for a part that then
 * fails lie in a region no checkpoint lists, and the part's next try writes them again.
 */
import type { ReadWatch } from "./part-fetch.js";

/** Bytes written at a time: 8 writes for an 8 MiB part. */
const SLICE = 1024 * 1024;

/**
 * @example
 * ```ts
 * const write = new ArrivingWrite((offset, bytes) => upload.writeArriving(offset, bytes), part.start);
 * await write.start(buffer); // before each try reads into the buffer from its start
 * write.filled(3 * 1024 * 1024);
 * await upload.uploadPart({ partNumber, offset: part.start, body, written: await write.finish() });
 * ```
 */
export class ArrivingWrite implements ReadWatch {
  private buffer: Uint8Array | undefined;
  /** Bytes of the buffer handed to `write` so far, by this try. */
  private sent = 0;
  /** Every write of this try, in order; the next waits for the last (one write in flight per part). */
  private writing: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    private readonly write: (offset: number, bytes: Uint8Array) => Promise<void>,
    /** Where the part's first byte goes in the object. */
    private readonly offset: number,
  ) {}

  /**
   * A try is about to read into `buffer` from its start. An earlier try's writes finish first: one landing
   * after this try's would put its bytes over the new ones.
   */
  async start(buffer: Uint8Array): Promise<void> {
    await this.writing;
    this.buffer = buffer;
    this.sent = 0;
    this.failed = false;
  }

  /** The first `filled` bytes of the buffer are this try's and will not change. */
  filled(filled: number): void {
    if (!this.buffer) return;
    while (filled - this.sent >= SLICE) this.send(this.sent + SLICE);
  }

  /**
   * How many of the part's first bytes are at their place once this resolves: what `uploadPart` need not
   * write again. 0 after a failed write, so that the store writes the whole part and reports its error.
   */
  async finish(): Promise<number> {
    await this.writing;
    return this.failed ? 0 : this.sent;
  }

  /** Waits for the writes in flight (the part failed): the buffer may be reused once this resolves. */
  async forget(): Promise<void> {
    await this.writing;
  }

  private send(end: number): void {
    const from = this.sent;
    const bytes = (this.buffer as Uint8Array).subarray(from, end);
    this.sent = end;
    this.writing = this.writing
      .then(() => (this.failed ? undefined : this.write(this.offset + from, bytes)))
      .catch(() => {
        this.failed = true;
      });
  }
}

/** Both watches hear every try of a part. */
export function bothWatches(
  first: ReadWatch | undefined,
  second: ReadWatch | undefined,
): ReadWatch | undefined {
  if (!first || !second) return first ?? second;
  return {
    start: async (buffer) => {
      await Promise.all([first.start(buffer), second.start(buffer)]);
    },
    filled: (filled) => {
      first.filled(filled);
      second.filled(filled);
    },
  };
}
