/**
 * A multipart upload into one temporary file: parts are written at their offsets as they arrive (in any
 * order, concurrently), and the finished file is renamed into place only once every part is there.
 */
import { createHash } from "node:crypto";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import type { MultipartUpload, StoredObject } from "../ports.js";
import { hasCode, writeFully } from "./fs-write.js";
import { checkLayout, multipartUpload } from "./multipart-base.js";

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
  const layout = { description, key, partSize, size, partCount: Math.ceil(size / partSize) };
  checkLayout(layout);
  const fail = (what: string, cause?: unknown) =>
    new BackendError(
      ErrorCode.STORE_FAILED,
      `${description}: ${what} ${key} failed${cause === undefined ? "" : `: ${messageOf(cause)}`}`,
      cause === undefined ? {} : { cause },
    );

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

  const digests = new Map<number, Buffer>();

  /** Closes and removes the temporary file; the upload is gone afterwards whatever happened. */
  async function discard(): Promise<void> {
    await handle.close().catch(() => {});
    try {
      await unlink(tempPath);
    } catch (error) {
      if (!hasCode(error, "ENOENT")) throw fail("discarding the upload of", error);
    }
  }

  return multipartUpload(layout, {
    async sendPart(partNumber, offset, body) {
      try {
        await writeFully(handle, body, offset);
      } catch (error) {
        throw fail(`writing part ${partNumber} of`, error);
      }
      digests.set(partNumber, createHash("md5").update(body).digest());
    },

    async finish(): Promise<StoredObject> {
      try {
        await handle.sync();
        await handle.close();
        await options.moveIntoPlace(tempPath);
      } catch (error) {
        await discard().catch(() => {});
        throw error instanceof BackendError ? error : fail("completing the upload of", error);
      }
      // S3's multipart ETag: the MD5 of the parts' MD5s, then the part count.
      const parts = Array.from({ length: layout.partCount }, (_, i) => digests.get(i + 1) ?? Buffer.alloc(0));
      const etag = `"${createHash("md5").update(Buffer.concat(parts)).digest("hex")}-${layout.partCount}"`;
      return { key, url: options.url, etag, size };
    },

    discard,
  });
}
