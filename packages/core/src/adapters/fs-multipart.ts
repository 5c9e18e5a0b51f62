/**
 * A multipart upload into one temporary file: parts are written at their offsets as they arrive (in any
 * order, concurrently), and the finished file is renamed into place only once every part is there.
 */
import { createHash } from "node:crypto";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import type { MultipartUpload, StoredObject } from "../ports.js";
import { hasCode, writeFully } from "./fs-write.js";

export interface FsMultipartOptions {
  /** Names the store in messages, e.g. `folder ./zrec-data`. */
  description: string;
  key: string;
  url: string;
  /** Where the parts are written; in the store's temporary folder, on the same file system as the key. */
  tempPath: string;
  partSize: number;
  size: number;
  /** Moves the complete, synced temporary file to the key's path. */
  moveIntoPlace: (tempPath: string) => Promise<void>;
}

type State = "open" | "completing" | "completed" | "aborted";

/**
 * Opens the temporary file (preallocated to `size`) and returns the upload.
 * @example
 * const upload = await openFsMultipart({ description, key, url, tempPath, partSize, size, moveIntoPlace });
 * await upload.uploadPart({ partNumber: 2, offset: partSize, body: second });
 * await upload.uploadPart({ partNumber: 1, offset: 0, body: first });
 * const stored = await upload.complete();
 */
export async function openFsMultipart(options: FsMultipartOptions): Promise<MultipartUpload> {
  const { description, key, tempPath, partSize, size } = options;
  const fail = (what: string, cause?: unknown) =>
    new BackendError(
      ErrorCode.STORE_FAILED,
      `${description}: ${what} ${key} failed${cause === undefined ? "" : `: ${messageOf(cause)}`}`,
      cause === undefined ? {} : { cause },
    );
  const refuse = (sentence: string) =>
    new BackendError(ErrorCode.STORE_FAILED, `${description}: multipart upload of ${key}: ${sentence}`);

  if (!Number.isSafeInteger(size) || size < 0) throw refuse(`size ${size} is not a non-negative integer`);
  if (!Number.isSafeInteger(partSize) || partSize <= 0) {
    throw refuse(`part size ${partSize} is not a positive integer`);
  }
  const partCount = Math.ceil(size / partSize);

  let handle: FileHandle;
  try {
    handle = await open(tempPath, "wx");
  } catch (error) {
    throw fail("starting the upload of", error);
  }
  try {
    // Preallocated so that parts can land at any offset in any order.
    await handle.truncate(size);
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(tempPath).catch(() => {});
    throw fail("starting the upload of", error);
  }

  let state: State = "open";
  let completion: Promise<StoredObject> | undefined;
  const parts = new Map<number, { md5: Buffer; length: number }>();
  const inFlight = new Set<Promise<void>>();

  /** Closes and removes the temporary file; the upload is gone afterwards whatever happened. */
  async function discard(): Promise<void> {
    await Promise.allSettled(inFlight);
    await handle.close().catch(() => {});
    try {
      await unlink(tempPath);
    } catch (error) {
      if (!hasCode(error, "ENOENT")) throw fail("discarding the upload of", error);
    }
  }

  async function writePart(partNumber: number, offset: number, body: Uint8Array): Promise<void> {
    try {
      await writeFully(handle, body, offset);
    } catch (error) {
      throw fail(`writing part ${partNumber} of`, error);
    }
    parts.set(partNumber, { md5: createHash("md5").update(body).digest(), length: body.byteLength });
  }

  async function finish(): Promise<StoredObject> {
    await Promise.allSettled(inFlight);
    const missing: number[] = [];
    for (let n = 1; n <= partCount; n++) if (!parts.has(n)) missing.push(n);
    if (missing.length > 0) {
      await discard();
      throw refuse(
        `part${missing.length === 1 ? "" : "s"} ${missing.join(", ")} of ${partCount} never arrived`,
      );
    }
    let total = 0;
    for (const part of parts.values()) total += part.length;
    if (total !== size) {
      await discard();
      throw refuse(`the parts hold ${total} bytes, expected ${size}`);
    }
    try {
      await handle.sync();
      await handle.close();
      await options.moveIntoPlace(tempPath);
    } catch (error) {
      await discard().catch(() => {});
      throw error instanceof BackendError ? error : fail("completing the upload of", error);
    }
    const digests = Array.from({ length: partCount }, (_, i) => parts.get(i + 1)?.md5 ?? Buffer.alloc(0));
    const etag = `"${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${partCount}"`;
    return { key, url: options.url, etag, size };
  }

  return {
    async uploadPart({ partNumber, offset, body }) {
      if (state !== "open") throw refuse(`part ${partNumber} arrived after the upload was ${state}`);
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > partCount) {
        throw refuse(`part number ${partNumber} is outside 1..${partCount}`);
      }
      const expectedOffset = (partNumber - 1) * partSize;
      const expectedLength = Math.min(partSize, size - expectedOffset);
      // A part in the wrong place would leave a silently corrupt file, so the layout is checked strictly.
      if (offset !== expectedOffset || body.byteLength !== expectedLength) {
        throw refuse(
          `part ${partNumber} has ${body.byteLength} bytes at offset ${offset}, expected ${expectedLength} at ${expectedOffset}`,
        );
      }
      const write = writePart(partNumber, offset, body);
      const tracked = write.catch(() => {});
      inFlight.add(tracked);
      try {
        await write;
      } finally {
        inFlight.delete(tracked);
      }
    },

    complete() {
      if (state === "completing" || state === "completed") {
        return completion ?? Promise.reject(refuse("it is already completed"));
      }
      if (state === "aborted") return Promise.reject(refuse("it was aborted"));
      state = "completing";
      completion = finish().then(
        (stored) => {
          state = "completed";
          return stored;
        },
        (error: unknown) => {
          state = "aborted";
          throw error;
        },
      );
      return completion;
    },

    async abort() {
      if (state === "completing") {
        await completion?.catch(() => {});
        return;
      }
      if (state !== "open") return;
      state = "aborted";
      await discard();
    },
  };
}
