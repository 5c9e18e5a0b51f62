/**
 * The requests of a ranged copy, each retried alone: the first one (which learns the size, or that Range
 * is ignored) and one part's bytes.
 */
import { withRetry } from "../retry.js";
import { GuardedResponse } from "./guarded-response.js";
import type { PartSpec } from "./part-plan.js";
import {
  checkPartResponse,
  describePart,
  partSpec,
  RangeMismatchError,
  requestRetry,
  SizeMismatchError,
} from "./part-plan.js";
import type { CopyContext } from "./ranged-copy.js";
import { SourceHttpError } from "./source.js";

/** A server that answers the wrong range gets this many tries per request, whatever the retry policy says. */
const RANGE_MISMATCH_TRIES = 3;

/** What the first request taught: the file's size with part 1's response, or to stream it in one GET. */
export type FirstAnswer =
  | { kind: "ranged"; total: number; response: GuardedResponse }
  | { kind: "stream"; response?: GuardedResponse };

/**
 * Asks for `bytes=0-{partSize-1}`. A 206 with a total gives `ranged`; a 200 gives `stream` with that very
 * response (no second request); a 206 without a total, or a 416 (an empty file has no byte 0), gives
 * `stream` without one.
 *
 * @example
 * ```ts
 * const first = await firstRequest(context);
 * if (first.kind === "ranged") console.log(`${first.total} bytes`);
 * ```
 */
export async function firstRequest(context: CopyContext): Promise<FirstAnswer> {
  const asked: PartSpec = { partNumber: 1, start: 0, end: context.partSize - 1, length: context.partSize };
  const checked = mismatchBudget();
  let sizeMismatches = 0;
  try {
    return await withRetry(
      async (): Promise<FirstAnswer> => {
        const response = await openPart(context, asked);
        if (response.response.status === 200) return { kind: "stream", response };
        const total = response.response.contentRange?.total;
        if (total === undefined) {
          // A size we cannot learn cannot be split into parts: start over with one plain GET.
          response.release();
          return { kind: "stream" };
        }
        checked(response, partSpec(1, context.partSize, total), total);
        const expected = context.expectedSize;
        if (expected !== undefined && total !== expected) {
          response.release();
          // One answer's total may be a CDN edge's mistake, as a later part's may be (those are retried):
          // ask again before deciding that the file and Zoom's file_size disagree for good. Found by the
          // fault runs (a single wrong Content-Range total on the first request failed the whole file).
          if (++sizeMismatches < RANGE_MISMATCH_TRIES) {
            throw new RangeMismatchError(
              `part 1: the server says the file has ${total} bytes, Zoom's file_size says ${expected}`,
            );
          }
          throw new SizeMismatchError(expected, total);
        }
        return { kind: "ranged", total, response };
      },
      requestRetry(context.retry, context.signal),
    );
  } catch (error) {
    if (error instanceof SourceHttpError && error.status === 416) return { kind: "stream" };
    throw error;
  }
}

/**
 * Fetches one part into a buffer of exactly its length: the start of the buffer `into` resolves with
 * (a reused part buffer, asked for once the answer's headers are in, and kept for every try), else a new
 * one. The first try may read a response already received (part 1's from {@link firstRequest}); every
 * other try asks again for exactly this range.
 *
 * @example
 * ```ts
 * const bytes = await fetchPart(context, partSpec(3, context.partSize, total), total);
 * ```
 */
export async function fetchPart(
  context: CopyContext,
  part: PartSpec,
  total: number,
  received?: GuardedResponse,
  into?: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  let buffer: Uint8Array | undefined;
  return eachPartTry(context, part, total, received, async (response) => {
    if (into && !buffer) {
      try {
        buffer = await into();
      } catch (error) {
        response.release(error);
        throw error;
      }
    }
    return response.readExactly(part.length, buffer);
  });
}

/**
 * Reads `part` with `read`, retried as one request: the first try may read a response already received
 * (part 1's, from {@link firstRequest}); every other try asks again for exactly this range, its
 * Content-Range checked.
 * @example
 * const bytes = await eachPartTry(context, part, total, undefined, (response) => response.readExactly(part.length));
 */
export async function eachPartTry<T>(
  context: CopyContext,
  part: PartSpec,
  total: number,
  received: GuardedResponse | undefined,
  read: (response: GuardedResponse) => Promise<T>,
): Promise<T> {
  let unused = received;
  const checked = mismatchBudget();
  try {
    return await withRetry(
      async () => {
        let response = unused;
        unused = undefined;
        if (!response) {
          response = await openPart(context, part);
          checked(response, part, total);
        }
        return read(response);
      },
      requestRetry(context.retry, context.signal),
    );
  } finally {
    unused?.release();
  }
}

function openPart(context: CopyContext, part: PartSpec): Promise<GuardedResponse> {
  const { source, signal, idleTimeoutMs } = context;
  return GuardedResponse.open(source, part, { signal, idleTimeoutMs, what: describePart(part) });
}

/**
 * A check of the answer's Content-Range that releases a wrong answer and, after RANGE_MISMATCH_TRIES
 * wrong answers to one request, marks the error final.
 */
function mismatchBudget(): (response: GuardedResponse, part: PartSpec, total: number) => void {
  let mismatches = 0;
  return (response, part, total) => {
    try {
      checkPartResponse(response.response, part, total);
    } catch (error) {
      response.release(error);
      if (error instanceof RangeMismatchError) error.retryable = ++mismatches < RANGE_MISMATCH_TRIES;
      throw error;
    }
  };
}
