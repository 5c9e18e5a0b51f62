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
import { buildsInPlace } from "../adapters/factory.js";
import { defaultConfig } from "../config/defaults.js";
import type { Config } from "../config/types.js";
import { ErrorCode, TransferError, ZrecError } from "../errors.js";
import { warmOnThread } from "../hash-thread.js";
import type { ObjectStore, StoredObject } from "../ports.js";
import type { RetryPolicy } from "../retry.js";
import type { GuardedResponse } from "./guarded-response.js";
import {
  bufferLimit,
  CopySuspended,
  failureMessage,
  multipartCopy,
  SPARE_BUFFERS,
} from "./multipart-copy.js";
import { preparePartBuffers } from "./part-buffers.js";
import { fetchPart, firstRequest } from "./part-fetch.js";
import { partCount, partSpec, RangeMismatchError, SizeMismatchError } from "./part-plan.js";
import { SLICE } from "./part-through.js";
import type { ByteSource } from "./source.js";
import { streamCopy } from "./stream-copy.js";

export { CopySuspended };

const MiB = 1024 * 1024;
// A caller without a configuration (a benchmark, a test) gets the configuration's defaults.
const DEFAULT_PART_SIZE = defaultConfig.ingest.partSizeMiB * MiB;
const DEFAULT_PART_CONCURRENCY = defaultConfig.ingest.partConcurrency;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

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
  /** Bytes per Range request and multipart part; default `ingest.partSizeMiB`'s, 8 MiB. */
  partSize?: number;
  /** Range requests in flight; default `ingest.partConcurrency`'s, 4. */
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
   * the checkpoint for the next run, and so does one stopped by `signal`.
   */
  resumeId?: string;
  /**
   * The copy's time budget (a resumable copy only): once it aborts, no new part is started, the parts in
   * flight are stored, and the copy rejects with {@link CopySuspended}, leaving its checkpoint for the
   * next call to go on from.
   */
  budget?: AbortSignal;
  /**
   * A resumable copy's checkpoint stays after the copy, until the result's `forget()`: for a caller
   * that records the copy afterwards (its metadata), so that a kill before that record costs the next
   * run a read-back of the stored object, not the whole file from the source again.
   */
  keepCheckpoint?: boolean;
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
  /** Removes the checkpoint kept by `keepCheckpoint`; a no-op otherwise. Never throws. */
  forget(): Promise<void>;
  /** Keeps that checkpoint for a later run and lets go of what the upload holds. Never throws. */
  release(): Promise<void>;
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
  keepCheckpoint: boolean;
  /** Whether the caller's signal stopped the copy (as opposed to a failure of its own). */
  stoppedByCaller(): boolean;
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
    keepCheckpoint: options.keepCheckpoint === true,
    stoppedByCaller: () => options.signal?.aborted === true,
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

/**
 * Readies what a copy of `size` bytes will need before it starts: its part buffers are made and their
 * pages faulted in on the hashing thread (starting it), while the caller does something else: an ingest
 * asks Zoom's API for the meeting's metadata meanwhile. The copy would spend the same otherwise, but on
 * its main thread during its first round of parts. Buffers no copy takes are let go after a minute.
 * @example
 * prepareRangedCopy({ size: file.file_size, partSize, partConcurrency, storage: config.storage });
 * const metadata = await fetchMetadata();
 * await rangedCopy({ source, store, key, contentType, partSize, partConcurrency, expectedSize: file.file_size });
 */
export function prepareRangedCopy(options: {
  size: number;
  partSize: number;
  partConcurrency: number;
  /** The configured store (its type): one that builds the object in place takes slices, not parts. */
  storage: Pick<Config["storage"], "type">;
}): void {
  const { size, partSize, partConcurrency, storage } = options;
  const count = partCount(size, partSize);
  if (count < 2) return;
  if (buildsInPlace(storage)) {
    // Two slices per part in flight is what a copy whose disk keeps up holds.
    preparePartBuffers(SLICE, 2 * Math.min(partConcurrency, count), warmOnThread);
    return;
  }
  preparePartBuffers(partSize, Math.min(bufferLimit(partConcurrency), count), warmOnThread);
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
    return {
      ...stored,
      sha256,
      parts: 1,
      rangeHonoured: false,
      resumedBytes: 0,
      forget: noCheckpoint,
      release: noCheckpoint,
    };
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
  return {
    ...stored,
    sha256,
    parts: 1,
    rangeHonoured: true,
    resumedBytes: 0,
    forget: noCheckpoint,
    release: noCheckpoint,
  };
}

/** A single or streamed put keeps no checkpoint. */
const noCheckpoint = async () => {};

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
