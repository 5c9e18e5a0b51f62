/**
 * The fallback for a server that ignores Range (or will not say how big the file is): one GET streamed
 * into `store.putStream`, counted and hashed as it passes. A retry starts the whole stream again with a
 * fresh GET; the store only shows an object once a stream ended cleanly, so a failed try leaves none.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { StoredObject } from "../ports.js";
import { withRetry } from "../retry.js";
import { BodyLengthError, GuardedResponse } from "./guarded-response.js";
import { RangeMismatchError, requestRetry, SizeMismatchError } from "./part-plan.js";
import type { CopyContext } from "./ranged-copy.js";

export interface StreamCopyResult {
  stored: StoredObject;
  sha256: string;
}

/**
 * Streams the file into the store. `first` is a 200 already received (its body is used as is, with no
 * second request); without it, or on a retry, a fresh un-ranged GET is made.
 *
 * @example
 * ```ts
 * const { stored, sha256 } = await streamCopy(context, firstResponse);
 * ```
 */
export async function streamCopy(context: CopyContext, first?: GuardedResponse): Promise<StreamCopyResult> {
  const { signal } = context;
  let unused = first;
  try {
    return await withRetry(
      async () => {
        const response = unused ?? (await openWhole(context));
        unused = undefined;
        return await streamOnce(context, response);
      },
      requestRetry(context.retry, signal),
    );
  } finally {
    unused?.release();
  }
}

function openWhole(context: CopyContext): Promise<GuardedResponse> {
  const { source, signal, idleTimeoutMs } = context;
  return GuardedResponse.open(source, undefined, { signal, idleTimeoutMs, what: "the whole file" });
}

async function streamOnce(context: CopyContext, guarded: GuardedResponse): Promise<StreamCopyResult> {
  const { store, key, contentType, expectedSize, partSize } = context;
  const { status, contentLength, contentRange } = guarded.response;
  if (status === 206 && contentRange?.start !== 0) {
    guarded.release();
    throw new RangeMismatchError(
      `the server answered a plain GET with bytes ${contentRange?.start ?? "?"}-…`,
    );
  }
  const announced = contentRange?.total ?? (status === 200 ? contentLength : undefined);
  if (expectedSize !== undefined && announced !== undefined && announced !== expectedSize) {
    guarded.release();
    throw new SizeMismatchError(expectedSize, announced);
  }
  const total = expectedSize ?? announced;
  const hash = createHash("sha256");
  let loaded = 0;
  let reported = 0;
  // putStream may wrap a source failure in its own error: keep ours to decide on a retry.
  let sourceError: unknown;

  async function* counted(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      for await (const chunk of guarded.chunks()) {
        hash.update(chunk);
        loaded += chunk.length;
        yield chunk;
        if (loaded - reported >= partSize) {
          reported = loaded;
          context.progress(loaded, total);
        }
      }
      if (announced !== undefined && loaded !== announced) {
        throw new BodyLengthError(`the whole file: the body ended after ${loaded} of ${announced} bytes`);
      }
      if (expectedSize !== undefined && loaded !== expectedSize)
        throw new SizeMismatchError(expectedSize, loaded);
    } catch (error) {
      sourceError = error;
      throw error;
    }
  }

  let stored: StoredObject;
  try {
    stored = await store.putStream(key, Readable.from(counted(), { objectMode: false }), { contentType });
  } catch (error) {
    throw sourceError ?? error;
  }
  context.progress(loaded, loaded);
  return { stored, sha256: hash.digest("hex") };
}
