import { messageOf, TransferError } from "../errors.js";
import { warmOnThread } from "../hash-thread.js";
import type { MultipartUpload, StoredObject } from "../ports.js";
import { CopySuspended } from "./copy-suspended.js";
import type { GuardedResponse } from "./guarded-response.js";
import { OrderedHash } from "./ordered-hash.js";
import { PartBuffers } from "./part-buffers.js";
import { fetchPart } from "./part-fetch.js";
import { type PartSpec, partCount, partSpec } from "./part-plan.js";
import { type PartRun, SLICE, sliceLimit, throughUpload, throughWorker } from "./part-through.js";
import type { CopyContext, CopyResult } from "./ranged-copy.js";
import { hashStoredObject, ReadBackFailed, StoredHash } from "./stored-hash.js";

/** Part buffers beyond one per request in flight: a part can be read while earlier ones are stored. */
export const SPARE_BUFFERS = 2;

/** The part buffers a copy with `partConcurrency` requests in flight holds at most. */
export function bufferLimit(partConcurrency: number): number {
  return partConcurrency + Math.min(partConcurrency, SPARE_BUFFERS);
}

export { CopySuspended };

export async function multipartCopy(
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
    const resumeId = await versionedResumeId(context.resumeId, firstResponse);
    upload = await store.createMultipartUpload(key, {
      contentType,
      partSize,
      size: total,
      ...(resumeId !== undefined ? { resumeId } : {}),
    });
  } catch (error) {
    releaseFirst(error);
    throw error;
  }
  const through = throughUpload(upload);
  const ordered = through ? undefined : new OrderedHash();
  const fromStore = through
    ? new StoredHash((offset, into) => through.readWritten(offset, into), partSize, total)
    : undefined;
  const hash = (ordered ?? fromStore) as OrderedHash | StoredHash;
  const reused = new Set(upload.resumed?.parts);
  const resumedBytes = upload.resumed?.bytes ?? 0;
  if (reused.size > 0) {
    // This process never saw the reused parts' bytes: they are read back from the object being built,
    // or (a store without that) the object is hashed from the store once complete.
    ordered?.stopHashing();
    for (const partNumber of reused) {
      ordered?.add(partNumber, EMPTY);
      fromStore?.written(partNumber);
    }
    if (reused.has(1)) releaseFirst();
    context.progress(resumedBytes, total, resumedBytes);
  }
  // A store that builds the object in place gets each part through small slices (part-through.ts);
  // for any other store, a part's bytes live in one of these buffers from its first byte until it is
  // both stored and hashed.
  // A request goes out before its buffer is free (the socket holds the first bytes meanwhile), so a
  // worker asks for its next part while its last one is still being stored; the spares let a part be
  // read while earlier ones are stored. A part is not asked for before every part `limit` places
  // before it is hashed: a slow part holds up the hash, and the parts after it are held in buffers, so
  // this bound is what guarantees the slow part a buffer when its bytes come.
  // They are made at once (or were, by prepareRangedCopy), their pages faulted in on the hashing thread
  // while the first requests are out: that first touch was the main thread's largest cost during the
  // first round of parts.
  const limit = bufferLimit(partConcurrency);
  const buffers = through
    ? new PartBuffers(SLICE, sliceLimit(partConcurrency), {
        prepare: warmOnThread,
        ahead: 2 * Math.min(partConcurrency, count - reused.size),
      })
    : new PartBuffers(partSize, limit, {
        prepare: warmOnThread,
        ahead: Math.min(limit, count - reused.size),
      });
  const failures: unknown[] = [];
  const storing = new Set<Promise<void>>();
  let nextPart = 1;
  let loaded = resumedBytes;
  // Only a resumable copy can stop half-way: another one would lose what it stored.
  // Every call makes progress, however little of its budget is left when the copy gets going (part 1's
  // headers and the upload can take that long): at least one part is fetched before the budget counts.
  // Without it, a Lambda whose setup outlasted its budget returned "incomplete" with nothing done, and
  // the state machine called it again, for ever.
  let takenThisCall = 0;
  const budgetSpent = () =>
    context.resumeId !== undefined && context.budget?.aborted === true && takenThisCall > 0;
  const takePart = (): number | undefined => {
    while (nextPart <= count && reused.has(nextPart)) nextPart++;
    if (nextPart > count) return undefined;
    takenThisCall++;
    return nextPart++;
  };

  const fail = (error: unknown) => {
    failures.push(error);
    // Stops the other workers' requests and retry waits now rather than after their parts finish.
    if (!signal.aborted) controller.abort(error);
  };

  const takeFirst = (partNumber: number) => {
    if (partNumber !== 1) return undefined;
    const pending = unusedFirst;
    unusedFirst = undefined;
    return pending;
  };

  // What every worker shares, whichever way it fetches its parts.
  const run: PartRun = {
    context,
    total,
    slices: buffers,
    // A read-back that failed stops the copy too, without failing it: its parts are kept (see below).
    going: () => failures.length === 0 && !signal.aborted && !budgetSpent() && !fromStore?.failed,
    takePart,
    takeFirst,
    fail,
    storing: (stored) => {
      storing.add(stored);
      void stored.finally(() => storing.delete(stored));
    },
    stored: (length) => {
      loaded += length;
      context.progress(loaded, total);
    },
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
    run.stored(body.length);
    // Not before the hash has read it too: then nothing holds the buffer any more.
    hash.whenHashedThrough(part.partNumber, signal).then(
      () => buffers.give(buffer),
      () => buffers.drop(),
    );
  };

  const worker = async (): Promise<void> => {
    if (through && fromStore) return throughWorker(run, through, fromStore);
    while (run.going()) {
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
        const response = await takeFirst(part.partNumber);
        const body = await fetchPart(context, part, total, response, takeBuffer);
        (hash as OrderedHash).add(part.partNumber, body);
        // Stored in the background: this worker's next request goes out now. (fetchPart took the buffer.)
        run.storing(storePart(part, body, buffer as Uint8Array));
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
    await upload.suspend();
    throw new CopySuspended(key, loaded, total);
  }
  let stored: StoredObject | undefined;
  if (failures.length === 0 && signal.aborted) failures.push(signal.reason);
  if (failures.length === 0) {
    try {
      await hash.whenHashedThrough(count, signal);
      // The checkpoint stays while a resumed copy reads the object back (and, when the caller asks,
      // until it has recorded the copy): a kill, or a Lambda budget, meanwhile costs the next run a
      // read-back of the object its checkpoint's parts made, not the whole file fetched again.
      stored = await upload.complete({ keepCheckpoint: true });
    } catch (error) {
      failures.push(error);
    }
  }
  if (stored === undefined) {
    hash.forget();
    const readBackOnly = failures.length > 0 && failures.every((f) => f instanceof ReadBackFailed);
    if (context.resumeId !== undefined && (context.stoppedByCaller() || readBackOnly)) {
      // Stopped (Ctrl+C, a shutdown), not failed, whenever it came (the last parts being stored or
      // hashed, the upload completing): what was stored is checkpointed, as after a kill, and the next
      // run goes on from it rather than fetching it all again. So too when only reading the stored
      // parts back failed: they are as stored, and the next run checks each before reusing it.
      await upload.suspend();
      throw failures[0] ?? signal.reason;
    }
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
  let sha256: string;
  try {
    // A call that fetched parts may leave the read-back to the next one; a call that had nothing left to
    // fetch reads it all, up to its hard deadline (the signal), or it would suspend at the same point
    // each time and never finish.
    const readBackBudget = reused.size < count ? context.budget : undefined;
    sha256 =
      reused.size > 0 && !through
        ? await hashStoredObject(store, key, { budget: readBackBudget, signal }, total)
        : await hash.digest();
  } catch (error) {
    // The object is complete and its checkpoint kept: the next run finishes from it. Until then nothing
    // (a lock) may keep another process from doing so.
    await upload.suspend().catch(() => {});
    throw error;
  }
  const forget = () => upload.forget().catch(() => {});
  const release = () => upload.suspend().catch(() => {});
  if (!context.keepCheckpoint) await forget();
  return { ...stored, sha256, parts: count, rangeHonoured: true, resumedBytes, forget, release };
}

const EMPTY = new Uint8Array(0);

/**
 * The resume id with the version of the source that answered part 1 (its ETag or Last-Modified): a file
 * replaced at the source by another of the same size must not be finished with the old one's parts,
 * which would store a splice of the two under a SHA-256 of neither. Waits for part 1's headers (after
 * their retries), which are on their way with the other first requests; when part 1 fails for good,
 * so does the copy, before an upload is made: the stored parts stay for the next run.
 */
async function versionedResumeId(
  resumeId: string | undefined,
  firstResponse: GuardedResponse | Promise<GuardedResponse>,
): Promise<string | undefined> {
  if (resumeId === undefined) return undefined;
  const { validator } = (await firstResponse).response;
  return validator === undefined ? resumeId : `${resumeId} ${validator}`;
}

export function failureMessage(error: unknown, context: CopyContext): string {
  const detail =
    error instanceof Error && error.name === "AbortError" ? "the copy was aborted" : messageOf(error);
  return `Copying ${context.key} from ${context.source.description} failed: ${detail}`;
}
