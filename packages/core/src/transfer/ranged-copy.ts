/**
 * The hot path: copy one recording file from a download server into the store with concurrent Range
 * GETs feeding a multipart upload. Built like lib-storage's `Upload`: a few workers share one part source,
 * failures are collected, the upload is aborted and the first error rethrown; progress is an event.
 * Memory stays near `partConcurrency x partSize` whatever the file's size: parts live in reused buffers,
 * at most `partConcurrency + min(partConcurrency, 2)` of them. Small files are one put; a server that
 * ignores Range gets one streamed put.
 */
import { createHash } from "node:crypto";
import { setMaxListeners } from "node:events";
import { ErrorCode, messageOf, TransferError, ZrecError } from "../errors.js";
import type { MultipartUpload, ObjectStore, StoredObject } from "../ports.js";
import type { RetryPolicy } from "../retry.js";
import type { GuardedResponse } from "./guarded-response.js";
import { ThreadHash } from "./hash-thread.js";
import { OrderedHash } from "./ordered-hash.js";
import { PartBuffers } from "./part-buffers.js";
import { fetchPart, firstRequest } from "./part-fetch.js";
import { type PartSpec, partCount, partSpec, RangeMismatchError, SizeMismatchError } from "./part-plan.js";
import type { ByteSource } from "./source.js";
import { streamCopy } from "./stream-copy.js";

const MiB = 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * MiB;
const DEFAULT_PART_CONCURRENCY = 4;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Part buffers beyond one per request in flight: a part can be read while earlier ones are stored. */
const SPARE_BUFFERS = 2;

export interface CopyProgress {
  key: string;
  /** Bytes stored so far. */
  loaded: number;
  /** The file's size, once known. */
  total?: number;
  /** Bytes an earlier, interrupted copy had stored and this one reused (`resumed at … of …`). */
  resumedFrom?: number;
}

export interface RangedCopyOptions {
  source: ByteSource;
  store: ObjectStore;
  key: string;
  contentType: string;
  /** Bytes per Range request and multipart part; default 8 MiB. */
  partSize?: number;
  /** Range requests in flight; default 4. */
  partConcurrency?: number;
  /** Zoom's file_size when it gave one: the byte count must equal it. */
  expectedSize?: number;
  /** How each request is retried; default {@link defaultRetryPolicy}. */
  retry?: Partial<RetryPolicy>;
  /** Aborting it stops the copy and aborts the upload. */
  signal?: AbortSignal;
  /** Called after each part is stored (and every `partSize` bytes of a streamed copy). */
  onProgress?: (progress: CopyProgress) => void;
  /** Abort a response that sends no bytes for this long, and try again; default 30 s. */
  idleTimeoutMs?: number;
  /**
   * Makes a multipart copy resumable: the store keeps a checkpoint of the parts stored, and a later copy
   * with the same `resumeId` (and key, size and part size) fetches only the parts still missing. Name
   * the source with it, e.g. Zoom's file id and size. A copy killed (not failed: a failure aborts) leaves
   * the checkpoint for the next run.
   */
  resumeId?: string;
  /**
   * The copy's time budget (a resumable copy only): once it aborts, no new part is started, the parts in
   * flight are stored, and the copy rejects with {@link CopySuspended}, leaving its checkpoint for the
   * next call to go on from.
   */
  budget?: AbortSignal;
}

/** A resumable copy stopped because its budget ran out; the next copy with the same resumeId goes on. */
export class CopySuspended extends Error {
  constructor(
    readonly key: string,
    readonly loaded: number,
    readonly total: number,
  ) {
    super(`the copy of ${key} stopped at ${loaded} of ${total} bytes: its time budget ran out`);
    this.name = "CopySuspended";
  }
}

export interface CopyResult extends StoredObject {
  /** Hex SHA-256 of the whole file. */
  sha256: string;
  /** Multipart parts uploaded; 1 for a single put or a streamed put. */
  parts: number;
  /** False when the server ignored Range (or hid the size) and the file was streamed in one GET. */
  rangeHonoured: boolean;
  /** Bytes reused from an earlier, interrupted copy (0 when it started from scratch). */
  resumedBytes: number;
}

/** What the copy's pieces share; internal to `transfer/`. */
export interface CopyContext {
  source: ByteSource;
  store: ObjectStore;
  key: string;
  contentType: string;
  partSize: number;
  partConcurrency: number;
  expectedSize: number | undefined;
  retry: Partial<RetryPolicy>;
  idleTimeoutMs: number;
  resumeId: string | undefined;
  budget: AbortSignal | undefined;
  /** Aborted by the caller's signal or by the copy's first failure. */
  signal: AbortSignal;
  progress(loaded: number, total: number | undefined, resumedFrom?: number): void;
}

/**
 * Copies `source` into `store` at `key`. Resolves with what the store holds plus the file's SHA-256;
 * rejects with a {@link TransferError} (code `SIZE_MISMATCH` when the size disagrees with `expectedSize`)
 * and leaves no object and no multipart upload behind.
 *
 * @example
 * ```ts
 * const copied = await rangedCopy({
 *   source, store, key: `${recordingId}/shared_screen_with_speaker_view.mp4`, contentType: "video/mp4",
 *   expectedSize: file.file_size, onProgress: ({ loaded, total }) => console.log(loaded, total),
 * });
 * console.log(copied.size, copied.sha256, copied.parts);
 * ```
 */
export async function rangedCopy(options: RangedCopyOptions): Promise<CopyResult> {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  const partConcurrency = options.partConcurrency ?? DEFAULT_PART_CONCURRENCY;
  if (!Number.isSafeInteger(partSize) || partSize < 1)
    throw new RangeError(`partSize must be a positive integer`);
  if (!Number.isSafeInteger(partConcurrency) || partConcurrency < 1) {
    throw new RangeError(`partConcurrency must be a positive integer`);
  }
  const controller = new AbortController();
  // Each request, part waiting for a buffer and part waiting for the hash listens to this signal: many
  // listeners at once are expected here, not a leak.
  setMaxListeners(listenersFor(partConcurrency), controller.signal);
  const onCallerAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onCallerAbort();
  else options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const { key, onProgress } = options;
  const context: CopyContext = {
    source: options.source,
    store: options.store,
    key,
    contentType: options.contentType,
    partSize,
    partConcurrency,
    expectedSize: options.expectedSize,
    retry: options.retry ?? {},
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    resumeId: options.resumeId,
    budget: options.budget,
    signal: controller.signal,
    progress: (loaded, total, resumedFrom) =>
      onProgress?.({
        key,
        loaded,
        ...(total !== undefined ? { total } : {}),
        ...(resumedFrom !== undefined ? { resumedFrom } : {}),
      }),
  };
  try {
    return await copy(context, controller);
  } catch (error) {
    if (error instanceof CopySuspended) throw error;
    throw asTransferError(error, context);
  } finally {
    options.signal?.removeEventListener("abort", onCallerAbort);
  }
}

async function copy(context: CopyContext, controller: AbortController): Promise<CopyResult> {
  const planned = context.expectedSize;
  if (planned !== undefined && partCount(planned, context.partSize) > 1) {
    return plannedCopy(context, controller, planned);
  }
  const first = await firstRequest(context);
  return copyAfterFirst(context, controller, first);
}

/**
 * A copy whose size Zoom gave (file_size): every range is planned from it and `partConcurrency`
 * requests go out at once, with no round trip to learn the size first. Part 1's request is still the
 * one that checks: its Content-Range total must be `file_size` (a disagreement is asked again, then
 * fails with SIZE_MISMATCH, as before); a server that ignores Range (200) makes the copy fall back to
 * one streamed GET of that very answer.
 */
async function plannedCopy(
  context: CopyContext,
  controller: AbortController,
  total: number,
): Promise<CopyResult> {
  const first = firstRequest(context);
  const part1 = first.then((answer) => {
    if (answer.kind === "ranged") return answer.response;
    throw new RangeMismatchError("part 1: the server does not honour Range");
  });
  part1.catch(() => {});
  // The planned attempt has its own signal: its failure must not abort part 1's answer, which a server
  // ignoring Range has made the whole body that the fallback streams.
  const attempt = new AbortController();
  setMaxListeners(listenersFor(context.partConcurrency), attempt.signal);
  const onAbort = () => attempt.abort(context.signal.reason);
  context.signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await multipartCopy({ ...context, signal: attempt.signal }, attempt, total, part1);
  } catch (error) {
    if (error instanceof CopySuspended) throw error;
    const answer = await first.then(
      (value) => ({ value }),
      (reason: unknown) => ({ reason }),
    );
    if ("reason" in answer && answer.reason instanceof SizeMismatchError) throw answer.reason;
    if ("value" in answer && answer.value.kind === "stream" && !context.signal.aborted) {
      // The planned upload is aborted (multipartCopy's way out); the file is streamed instead.
      return copyAfterFirst(context, controller, answer.value);
    }
    throw error;
  } finally {
    context.signal.removeEventListener("abort", onAbort);
  }
}

/** Each request, part waiting for a buffer and part waiting for the hash listens to a copy's signal. */
const listenersFor = (partConcurrency: number) => 4 * partConcurrency + 2 * SPARE_BUFFERS + 10;

async function copyAfterFirst(
  context: CopyContext,
  controller: AbortController,
  first: Awaited<ReturnType<typeof firstRequest>>,
): Promise<CopyResult> {
  if (first.kind === "stream") {
    const { stored, sha256 } = await streamCopy(context, first.response);
    return { ...stored, sha256, parts: 1, rangeHonoured: false, resumedBytes: 0 };
  }
  const { total, response } = first;
  if (context.expectedSize !== undefined && total !== context.expectedSize) {
    response.release();
    throw new SizeMismatchError(context.expectedSize, total);
  }
  if (partCount(total, context.partSize) === 1) return singlePut(context, total, response);
  return multipartCopy(context, controller, total, response);
}

async function singlePut(
  context: CopyContext,
  total: number,
  response: GuardedResponse,
): Promise<CopyResult> {
  const bytes = await fetchPart(context, partSpec(1, context.partSize, total), total, response);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const stored = await context.store.put(context.key, bytes, { contentType: context.contentType });
  context.progress(total, total);
  return { ...stored, sha256, parts: 1, rangeHonoured: true, resumedBytes: 0 };
}

async function multipartCopy(
  context: CopyContext,
  controller: AbortController,
  total: number,
  firstResponse: GuardedResponse | Promise<GuardedResponse>,
): Promise<CopyResult> {
  const { store, key, contentType, partSize, partConcurrency, signal } = context;
  let unusedFirst: GuardedResponse | Promise<GuardedResponse> | undefined = firstResponse;
  const releaseFirst = (reason?: unknown) => {
    const response = unusedFirst;
    unusedFirst = undefined;
    if (response)
      void Promise.resolve(response).then(
        (r) => r.release(reason),
        () => {},
      );
  };
  const count = partCount(total, partSize);
  let upload: MultipartUpload;
  try {
    upload = await store.createMultipartUpload(key, {
      contentType,
      partSize,
      size: total,
      ...(context.resumeId !== undefined ? { resumeId: context.resumeId } : {}),
    });
  } catch (error) {
    releaseFirst(error);
    throw error;
  }
  const hash = new OrderedHash();
  const reused = new Set(upload.resumed?.parts);
  const resumedBytes = upload.resumed?.bytes ?? 0;
  if (reused.size > 0) {
    // This process never saw the reused parts' bytes: the file is hashed from the store once complete.
    hash.stopHashing();
    for (const partNumber of reused) hash.add(partNumber, EMPTY);
    if (reused.has(1)) releaseFirst();
    context.progress(resumedBytes, total, resumedBytes);
  }
  // A part's bytes live in one of these buffers from its first byte until it is both stored and hashed.
  // A request goes out before its buffer is free (the socket holds the first bytes meanwhile), so a
  // worker asks for its next part while its last one is still being stored; the spares let a part be
  // read while earlier ones are stored. A part is not asked for before every part `limit` places
  // before it is hashed: a slow part holds up the hash, and the parts after it are held in buffers, so
  // this bound is what guarantees the slow part a buffer when its bytes come.
  const buffers = new PartBuffers(partSize, partConcurrency + Math.min(partConcurrency, SPARE_BUFFERS));
  const failures: unknown[] = [];
  const storing = new Set<Promise<void>>();
  let nextPart = 1;
  let loaded = resumedBytes;
  // Only a resumable copy can stop half-way: another one would lose what it stored.
  const budgetSpent = () => context.resumeId !== undefined && context.budget?.aborted === true;
  const takePart = (): number | undefined => {
    while (nextPart <= count && reused.has(nextPart)) nextPart++;
    return nextPart <= count ? nextPart++ : undefined;
  };

  const fail = (error: unknown) => {
    failures.push(error);
    // Stops the other workers' requests and retry waits now rather than after their parts finish.
    if (!signal.aborted) controller.abort(error);
  };

  const storePart = async (part: PartSpec, body: Uint8Array, buffer: Uint8Array): Promise<void> => {
    try {
      await upload.uploadPart({ partNumber: part.partNumber, offset: part.start, body });
    } catch (error) {
      // The store may still hold on to the bytes: this buffer is not reused.
      buffers.drop();
      fail(error);
      return;
    }
    loaded += body.length;
    context.progress(loaded, total);
    // Not before the hash has read it too: then nothing holds the buffer any more.
    hash.whenHashedThrough(part.partNumber, signal).then(
      () => buffers.give(buffer),
      () => buffers.drop(),
    );
  };

  const worker = async (): Promise<void> => {
    while (failures.length === 0 && !signal.aborted && !budgetSpent()) {
      const partNumber = takePart();
      if (partNumber === undefined) break;
      const part = partSpec(partNumber, partSize, total);
      let buffer: Uint8Array | undefined;
      const takeBuffer = async () => {
        buffer = await buffers.take(signal);
        return buffer;
      };
      try {
        await hash.whenHashedThrough(part.partNumber - buffers.limit, signal);
        const pending = part.partNumber === 1 ? unusedFirst : undefined;
        if (part.partNumber === 1) unusedFirst = undefined;
        const response = await pending;
        const body = await fetchPart(context, part, total, response, takeBuffer);
        hash.add(part.partNumber, body);
        // Stored in the background: this worker's next request goes out now. (fetchPart took the buffer.)
        const stored = storePart(part, body, buffer as Uint8Array);
        storing.add(stored);
        void stored.finally(() => storing.delete(stored));
      } catch (error) {
        if (buffer) buffers.give(buffer);
        fail(error);
      }
    }
  };

  await Promise.all(Array.from({ length: Math.min(partConcurrency, count - reused.size) }, worker));
  await Promise.all(storing);
  releaseFirst();
  if (failures.length === 0 && !signal.aborted && loaded < total && budgetSpent()) {
    // Every part started is stored and checkpointed: the upload stays for the next call.
    hash.forget();
    throw new CopySuspended(key, loaded, total);
  }
  let stored: StoredObject | undefined;
  if (failures.length === 0 && signal.aborted) failures.push(signal.reason);
  if (failures.length === 0) {
    try {
      await hash.whenHashedThrough(count, signal);
      stored = await upload.complete();
    } catch (error) {
      failures.push(error);
    }
  }
  if (stored === undefined) {
    hash.forget();
    const first = failures[0];
    // Every uploadPart has settled (awaited above), so no part lands after this.
    await upload.abort().catch((abortError: unknown) => {
      throw new TransferError(
        `${failureMessage(first, context)}; aborting the multipart upload also failed: ${messageOf(abortError)}`,
        { cause: first },
      );
    });
    throw first;
  }
  const sha256 = reused.size > 0 ? await hashStored(store, key) : await hash.digest();
  return { ...stored, sha256, parts: count, rangeHonoured: true, resumedBytes };
}

const EMPTY = new Uint8Array(0);

/**
 * SHA-256 of the object as the store holds it, read back (on the hashing thread): how a resumed copy
 * gets the whole file's checksum without fetching from Zoom again what an earlier run stored.
 */
async function hashStored(store: ObjectStore, key: string): Promise<string> {
  const body = await store.read(key);
  if (!body) throw new TransferError(`${store.description}: ${key} vanished right after it was stored`);
  const hash = new ThreadHash();
  try {
    for await (const chunk of body) await hash.update(chunk);
  } catch (error) {
    hash.forget();
    throw error;
  }
  return hash.digest();
}

function failureMessage(error: unknown, context: CopyContext): string {
  const detail =
    error instanceof Error && error.name === "AbortError" ? "the copy was aborted" : messageOf(error);
  return `Copying ${context.key} from ${context.source.description} failed: ${detail}`;
}

function asTransferError(error: unknown, context: CopyContext): TransferError {
  if (error instanceof TransferError && error.message.startsWith(`Copying ${context.key} `)) return error;
  if (error instanceof SizeMismatchError) {
    return new TransferError(failureMessage(error, context), {
      code: ErrorCode.SIZE_MISMATCH,
      cause: error,
      suggestion: "Zoom may still be processing this recording; run the ingest again later.",
    });
  }
  // Keep a project error's code (DOWNLOAD_REFUSED, STORE_FAILED…) so callers can still tell them apart.
  const code = error instanceof ZrecError ? error.code : ErrorCode.TRANSFER_FAILED;
  return new TransferError(failureMessage(error, context), { code, cause: error });
}
