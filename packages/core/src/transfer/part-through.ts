/**
 * One part streamed through small slices into a store that builds the object where the bytes land (the
 * folder store: `writeArriving`, `storeWritten`, `readWritten`), instead of read whole into a part
 * buffer. Each slice goes to its place in the file and to the part's MD5 on the hashing thread, then is
 * reused; the file's SHA-256 is read back from the file in order (stored-hash.ts).
 *
 * Why: a copy at 8 parts of 8 MiB held 80 MiB of part buffers, and on the machines we measured
 * (virtual machines whose first touch of a page costs 10-30 µs) faulting them in took ~0.25 s of a CPU
 * during the first round of parts, when the network, the store and the main thread want both cores.
 * Slices are a few MiB in all, faulted once and reused.
 */
import { ThreadHash } from "../hash-thread.js";
import type { MultipartUpload } from "../ports.js";
import { BodyLengthError, type GuardedResponse } from "./guarded-response.js";
import type { PartBuffers } from "./part-buffers.js";
import { eachPartTry } from "./part-fetch.js";
import { describePart, type PartSpec, partSpec } from "./part-plan.js";
import type { CopyContext } from "./ranged-copy.js";
import type { StoredHash } from "./stored-hash.js";

/** Bytes written and hashed at a time. */
export const SLICE = 256 * 1024;
/**
 * Slices a part may have filled and not yet written and hashed: past that, reading waits (the socket
 * holds the bytes meanwhile), so a slow disk slows the copy rather than filling memory.
 */
export const SLICES_PER_PART = 4;

/** The slices a copy streaming its parts through holds at most: a part never waits for another's. */
export function sliceLimit(partConcurrency: number): number {
  return partConcurrency * (SLICES_PER_PART + 1);
}

export type ThroughUpload = Required<Pick<MultipartUpload, "writeArriving" | "storeWritten" | "readWritten">>;

/** The upload, when its store builds the object where the bytes land: the copy streams parts into it. */
export function throughUpload(upload: MultipartUpload): ThroughUpload | undefined {
  const { writeArriving, storeWritten, readWritten } = upload;
  if (!writeArriving || !storeWritten || !readWritten) return undefined;
  return {
    writeArriving: writeArriving.bind(upload),
    storeWritten: storeWritten.bind(upload),
    readWritten: readWritten.bind(upload),
  };
}

/** What a multipart copy shares with each of its workers (multipart-copy.ts). */
export interface PartRun {
  context: CopyContext;
  total: number;
  slices: PartBuffers;
  /** Nothing failed, the copy is not stopped and its budget not spent: another part may be taken. */
  going(): boolean;
  /** The next part to fetch; undefined when none is left. */
  takePart(): number | undefined;
  /** Part 1's response from the first request, once; undefined for other parts. */
  takeFirst(partNumber: number): GuardedResponse | Promise<GuardedResponse> | undefined;
  fail(error: unknown): void;
  /** A part being stored in the background: the copy waits for it before it ends. */
  storing(stored: Promise<void>): void;
  /** `length` more bytes are stored. */
  stored(length: number): void;
}

/**
 * One worker of a copy into a store that builds the object in place: it fetches a part through a sink,
 * tells the hash that the part may be read back, and hands it to the store in the background (its next
 * request goes out meanwhile).
 */
export async function throughWorker(run: PartRun, upload: ThroughUpload, hash: StoredHash): Promise<void> {
  const { context, total, slices } = run;
  while (run.going()) {
    const partNumber = run.takePart();
    if (partNumber === undefined) break;
    const part = partSpec(partNumber, context.partSize, total);
    const write = (offset: number, bytes: Uint8Array) => upload.writeArriving(offset, bytes);
    const sink = new PartSink(write, part.start, slices, context.signal);
    try {
      const md5 = await fetchPartThrough(context, part, total, await run.takeFirst(partNumber), sink);
      const { start: offset, length } = part;
      // Every byte is in the file: the SHA-256 reads the part back now, not once the store has
      // recorded it. Recording saves the checkpoint, and that save waited behind the running datasync
      // (40-50 ms here), so the parts reached the hash in batches and the last round's were all hashed
      // after the last byte. A part the store then refuses fails the copy, hash and all.
      hash.written(partNumber);
      run.storing(
        upload.storeWritten({ partNumber, offset, length, md5 }).then(
          () => run.stored(length),
          (error: unknown) => run.fail(error),
        ),
      );
    } catch (error) {
      void sink.forget();
      run.fail(error);
    }
  }
}

/**
 * The slices of one part: each one written at its place (one write in flight, so that the store counts
 * them as laid down without a gap) and added to the part's MD5, then given back to the pool.
 * @example
 * ```ts
 * const sink = new PartSink((offset, bytes) => upload.writeArriving(offset, bytes), part.start, slices, signal);
 * await sink.start(); // before each try
 * await sink.push(chunk);
 * const md5 = await sink.finish();
 * ```
 */
export class PartSink {
  private slice: Uint8Array | undefined;
  private filled = 0;
  /** Where the slice being filled starts, from the part's first byte. */
  private at = 0;
  private writing: Promise<void> = Promise.resolve();
  /** Per slice handed over: settles once it is written, hashed and given back. */
  private pending: Promise<void>[] = [];
  private md5: ThreadHash | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly write: (offset: number, bytes: Uint8Array) => Promise<void>,
    /** Where the part's first byte goes in the object. */
    private readonly partStart: number,
    private readonly slices: PartBuffers,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * A try is about to send the part from its first byte. An earlier try's writes finish first: one
   * landing after this try's would put its bytes over the new ones.
   */
  async start(): Promise<void> {
    await this.settle();
    this.md5?.forget();
    this.md5 = new ThreadHash("md5");
    this.writing = Promise.resolve();
    this.at = 0;
    this.filled = 0;
    this.failure = undefined;
  }

  /** The try's next bytes. Resolves once they are copied out of `chunk`. */
  async push(chunk: Uint8Array): Promise<void> {
    let from = 0;
    while (from < chunk.length) {
      if (this.failure) throw this.failure.error;
      this.slice ??= await this.slices.take(this.signal);
      const n = Math.min(chunk.length - from, this.slice.length - this.filled);
      this.slice.set(chunk.subarray(from, from + n), this.filled);
      this.filled += n;
      from += n;
      if (this.filled === this.slice.length) await this.handOver();
    }
  }

  /** The part's MD5 (hex), once every byte of this try is written. */
  async finish(): Promise<string> {
    if (this.filled > 0) await this.handOver();
    await this.settle();
    if (this.failure) throw this.failure.error;
    const md5 = this.md5;
    if (!md5) throw new Error("PartSink.finish before start");
    this.md5 = undefined;
    return md5.digest();
  }

  /** Gives the part up (it failed): its writes and reads end first, then its slice goes back. */
  async forget(): Promise<void> {
    await this.settle();
    this.md5?.forget();
    this.md5 = undefined;
    if (this.slice) this.slices.give(this.slice);
    this.slice = undefined;
  }

  private async handOver(): Promise<void> {
    const slice = this.slice as Uint8Array;
    const md5 = this.md5 as ThreadHash;
    const bytes = slice.subarray(0, this.filled);
    const offset = this.partStart + this.at;
    this.at += this.filled;
    this.slice = undefined;
    this.filled = 0;
    const read = md5.update(bytes);
    const written = this.writing.then(() => (this.failure ? undefined : this.write(offset, bytes)));
    this.writing = written.catch(() => {});
    const done = Promise.allSettled([read, written]).then(([r, w]) => {
      // Nothing reads or writes the slice any more.
      this.slices.give(slice);
      const failed = w.status === "rejected" ? w : r.status === "rejected" ? r : undefined;
      if (failed) this.failure ??= { error: failed.reason };
    });
    this.pending.push(done);
    if (this.pending.length >= SLICES_PER_PART) await this.pending.shift();
  }

  private async settle(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
  }
}

/**
 * Fetches one part through `sink`, each try asking again for exactly its range (the first try may read
 * a response already received: part 1's); resolves with the part's MD5 once every byte is written.
 * @example
 * ```ts
 * const md5 = await fetchPartThrough(context, part, total, undefined, sink);
 * await upload.storeWritten({ partNumber: part.partNumber, offset: part.start, length: part.length, md5 });
 * ```
 */
export async function fetchPartThrough(
  context: CopyContext,
  part: PartSpec,
  total: number,
  received: GuardedResponse | undefined,
  sink: PartSink,
): Promise<string> {
  return eachPartTry(context, part, total, received, async (response) => {
    try {
      await sink.start();
    } catch (error) {
      response.release(error);
      throw error;
    }
    let filled = 0;
    // Leaving the loop early (a throw) releases the connection.
    for await (const chunk of response.chunks()) {
      if (filled + chunk.length > part.length) {
        throw new BodyLengthError(
          `${describePart(part)}: the server sent more than the ${part.length} bytes asked for`,
        );
      }
      filled += chunk.length;
      await sink.push(chunk);
    }
    if (filled < part.length) {
      throw new BodyLengthError(
        `${describePart(part)}: the body ended after ${filled} of ${part.length} bytes`,
      );
    }
    return sink.finish();
  });
}
