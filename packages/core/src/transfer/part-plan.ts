/**
 * The arithmetic of a ranged copy (which bytes make part n), the checks a 206 answer must pass, and
 * how one request of a copy is retried.
 */
import type { MultipartLimits } from "../ports.js";
import type { RetryOptions, RetryPolicy } from "../retry.js";
import { retryVerdict } from "../retry-verdict.js";
import type { ByteRange, SourceResponse } from "./source.js";
import { SourceHttpError } from "./source.js";

/** One part: its 1-based number and its inclusive byte range in the file. */
export interface PartSpec extends ByteRange {
  partNumber: number;
  length: number;
}

const MiB = 1024 * 1024;

/**
 * The part size to use for an object of `size` bytes when `requested` bytes are wanted, within the
 * store's `limits`: `requested`, raised to the store's minimum, and raised further (to a whole number of
 * MiB) when `size` would otherwise need more parts than the store takes. Without limits, `requested`.
 * @example
 * choosePartSize(100 * 2 ** 30, 8 * 2 ** 20, S3_MULTIPART_LIMITS); // 11 MiB: 8 MiB parts would be 12,800
 */
export function choosePartSize(size: number, requested: number, limits?: MultipartLimits): number {
  if (!Number.isSafeInteger(requested) || requested < 1) {
    throw new RangeError(`requested part size ${requested} is not a positive integer`);
  }
  if (limits === undefined) return requested;
  const partSize = Math.max(requested, limits.minPartSize);
  if (Math.ceil(size / partSize) <= limits.maxParts) return partSize;
  return Math.ceil(size / limits.maxParts / MiB) * MiB;
}

/** How many parts of `partSize` bytes hold `total` bytes (the last may be shorter). */
export function partCount(total: number, partSize: number): number {
  return Math.max(1, Math.ceil(total / partSize));
}

/**
 * @example
 * ```ts
 * partSpec(2, 1024, 1500); // { partNumber: 2, start: 1024, end: 1499, length: 476 }
 * ```
 */
export function partSpec(partNumber: number, partSize: number, total: number): PartSpec {
  const start = (partNumber - 1) * partSize;
  const end = Math.min(start + partSize, total) - 1;
  return { partNumber, start, end, length: end - start + 1 };
}

export function describePart(part: PartSpec): string {
  return `part ${part.partNumber} (bytes ${part.start}-${part.end})`;
}

/**
 * A 206 that does not match the range asked for, or a 200 where a range was honoured before. Transient
 * (a CDN edge may be briefly inconsistent), but one request asks again only a few times: `retryable`
 * turns false once its budget is spent.
 */
export class RangeMismatchError extends Error {
  retryable = true;
  constructor(message: string) {
    super(message);
    this.name = "RangeMismatchError";
  }
}

/** The file's byte count differs from Zoom's file_size. Permanent: the same bytes would come back. */
export class SizeMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the download is ${actual} bytes but Zoom's file_size is ${expected}`);
    this.name = "SizeMismatchError";
  }
}

/**
 * Throws a {@link RangeMismatchError} unless `response` is a 206 for exactly `part` of a file of
 * `total` bytes.
 */
export function checkPartResponse(response: SourceResponse, part: PartSpec, total: number): void {
  const what = describePart(part);
  if (response.status !== 206) {
    throw new RangeMismatchError(
      `${what}: the server sent the whole file (${response.status}) instead of the range`,
    );
  }
  const range = response.contentRange;
  if (!range) throw new RangeMismatchError(`${what}: the 206 answer has no Content-Range`);
  if (range.start !== part.start || range.end !== part.end || range.total !== total) {
    const got = `${range.start}-${range.end}/${range.total ?? "*"}`;
    throw new RangeMismatchError(`${what}: the server answered bytes ${got} for a file of ${total} bytes`);
  }
}

/**
 * Whether a request of a copy is sent again: a transient failure, unless the copy is stopping (its
 * `signal` aborted: stop, not retry) or the request has used up its answers of the wrong range.
 */
export function isRetryable(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return false;
  if (error instanceof RangeMismatchError && !error.retryable) return false;
  return retryVerdict(error) === "transient";
}

/** `withRetry` options for one request of a copy: the copy's policy, its signal, the server's Retry-After. */
export function requestRetry(policy: Partial<RetryPolicy>, signal: AbortSignal): RetryOptions {
  return {
    ...policy,
    signal,
    retryable: (error) => isRetryable(error, signal),
    retryAfterMs: (error) => (error instanceof SourceHttpError ? error.retryAfterMs : undefined),
  };
}
