/**
 * A multipart upload into one temporary file: parts are written at their offsets as they arrive (in any
 * order, concurrently), and the finished file is renamed into place only once every part is there.
 * A resumable upload (`resume`) lives in a part folder of its own (fs-part-folder.ts): the file, and a
 * checkpoint rewritten after each part that a later upload of the same file reuses once every listed
 * part passes its MD5. It holds the part folder's lock from start to completion or abort: another
 * process copying the same key at once fails with CopyInProgress instead of removing the folder (the
 * file the first is writing included) and making its own, which the first would then have renamed
 * into place half-written.
 */
import { type FileHandle, open, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { BackendError, CopyInProgress, ErrorCode, messageOf } from "../errors.js";
import type { MultipartUpload, StoredObject } from "../ports.js";
import type { Checkpoint } from "./checkpoint.js";
import {
  CHECKPOINT_FILE,
  completedUpload,
  DATA_FILE,
  lockPartFolder,
  lostLock,
  multipartEtag,
  removePartFolder,
  reusableCheckpoint,
} from "./fs-part-folder.js";
import { clearPartFolder } from "./fs-temp.js";
import { hasCode, readFully, writeFully } from "./fs-write.js";
import type { CheckpointKeeper } from "./multipart-base.js";
import { checkLayout, multipartUpload } from "./multipart-base.js";

/** Bytes written since the last flush began after which the next one starts. */
const FLUSH_AFTER = 16 * 1024 * 1024;

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
  /** The key's path: a resumed copy killed after its file was moved there finds it complete. */
  finalPath: string;
  /**
   * Makes the upload resumable: `folder` (one per key, in the store's temporary folder) holds the file
   * and its checkpoint instead of `tempPath`, and the lock of the upload that owns it.
   */
  resume?: { folder: string; resumeId: string };
}

/**
 * Opens the temporary file (preallocated to `size`) and returns the upload. A resumable one first takes
 * its part folder's lock, or fails with CopyInProgress while another live process holds it.
 * @example
 * const upload = await openFsMultipart({ description, key, url, tempPath, partSize, size, moveIntoPlace });
 * await upload.uploadPart({ partNumber: 2, offset: partSize, body: second });
 * await upload.uploadPart({ partNumber: 1, offset: 0, body: first });
 * const stored = await upload.complete();
 */
export async function openFsMultipart(options: FsMultipartOptions): Promise<MultipartUpload> {
  const { description, key, partSize, size, resume } = options;
  const layout = { description, key, partSize, size, partCount: Math.ceil(size / partSize) };
  checkLayout(layout);
  const fail = (what: string, cause?: unknown) =>
    new BackendError(
      ErrorCode.STORE_FAILED,
      `${description}: ${what} ${key} failed${cause === undefined ? "" : `: ${messageOf(cause)}`}`,
      cause === undefined ? {} : { cause },
    );
  const tempPath = resume ? path.join(resume.folder, DATA_FILE) : options.tempPath;

  let handle: FileHandle | undefined;
  let checkpoint: Checkpoint | undefined;
  // Nothing in the part folder is read or changed before the lock is ours, and it is released on every
  // way out: an upload that failed to open, its abort, its completion.
  const lock = resume ? await lockPartFolder(resume.folder, key, fail) : undefined;
  try {
    if (resume) {
      const target = { key, resumeId: resume.resumeId, size, partSize };
      const found = await reusableCheckpoint(resume.folder, target, options.finalPath).catch(() => undefined);
      if (found?.completed && lock) return completedUpload(options, resume.folder, found.checkpoint, lock);
      checkpoint = found?.checkpoint;
      if (checkpoint) handle = await open(tempPath, "r+").catch(() => undefined);
      if (!handle) {
        // Starting over (no checkpoint, another file, a changed part): the folder is emptied, the lock kept.
        checkpoint = { version: 1, ...target, upload: path.basename(resume.folder), parts: [] };
        try {
          await clearPartFolder(resume.folder);
        } catch (error) {
          throw fail("starting the upload of", error);
        }
      }
    }
    if (!handle) {
      try {
        // Read and write: a copy that streams its parts through reads them back for its SHA-256.
        handle = await open(tempPath, "wx+");
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
    }
  } catch (error) {
    await lock?.release().catch(() => {});
    throw error;
  }
  const file = handle;

  const digests = new Map<number, Buffer>(
    checkpoint?.parts.map((part) => [part.partNumber, Buffer.from(part.etag, "hex")]),
  );

  // Bytes written are flushed to disk while the copy goes on, one flush at a time, so that the fsync
  // before the rename (still the point where the file is durable) finds little left to write. Alone at
  // the end it wrote the whole file after its last byte had arrived: ~0.2 s of a 256 MiB ingest.
  // A flush starts once FLUSH_AFTER bytes were written, not when a part is kept: parts of one round end
  // together, and a flush of a whole round (64 MiB, 50-60 ms here) then ran just as the round's last
  // writes and checkpoint saves wanted the disk, at the file's end too. A failed flush is left to that
  // fsync to report.
  let flushing: Promise<void> | undefined;
  let flushAgain = false;
  let unflushed = 0;
  const flushSoon = (): void => {
    if (flushing) {
      flushAgain = true;
      return;
    }
    unflushed = 0;
    flushing = file
      .datasync()
      .catch(() => {})
      .then(() => {
        flushing = undefined;
        if (flushAgain) {
          flushAgain = false;
          flushSoon();
        }
      });
  };
  const wrote = (length: number): void => {
    unflushed += length;
    if (unflushed >= FLUSH_AFTER) flushSoon();
  };
  const flushed = async (): Promise<void> => {
    flushAgain = false;
    while (flushing) await flushing;
  };

  /**
   * Closes and removes the temporary file; the upload is gone afterwards whatever happened. A part
   * folder whose lock another process took over is its own now: its file stays.
   */
  async function discard(): Promise<void> {
    await flushed();
    await file.close().catch(() => {});
    if (lock && !(await lock.held().catch(() => false))) return;
    try {
      await unlink(tempPath);
    } catch (error) {
      if (!hasCode(error, "ENOENT")) throw fail("discarding the upload of", error);
    }
  }

  const keeper: CheckpointKeeper | undefined =
    resume && checkpoint && lock
      ? {
          initial: checkpoint,
          async save(next) {
            // A part folder taken over is another copy's: its checkpoint is not ours to write.
            if (!(await lock.held())) throw await lostLock(key, lock);
            // Written aside and renamed: a kill mid-write leaves the previous checkpoint, never half of one.
            const at = path.join(resume.folder, CHECKPOINT_FILE);
            await writeFile(`${at}.new`, JSON.stringify(next));
            await rename(`${at}.new`, at);
          },
          remove: () => removePartFolder(resume.folder, lock),
        }
      : undefined;

  return multipartUpload(layout, {
    async writeAt(offset, bytes) {
      try {
        await writeFully(file, bytes, offset);
      } catch (error) {
        throw fail(`writing at offset ${offset} of`, error);
      }
      wrote(bytes.byteLength);
    },

    async keepWritten(partNumber, md5) {
      digests.set(partNumber, Buffer.from(md5, "hex"));
      return { etag: md5 };
    },

    async readAt(offset, into) {
      try {
        await readFully(file, into, offset);
      } catch (error) {
        throw fail(`reading back offset ${offset} of`, error);
      }
    },

    async sendPart(partNumber, offset, body) {
      // The part's MD5 (its ETag, and what a resumed copy checks each stored part against) runs on the
      // hashing thread while the bytes go to disk: on two cores the main thread's time is the network's.
      // Loaded here: commands that only read the store (list, get) must not load the copy's modules.
      const [md5] = await Promise.all([
        import("../hash-thread.js").then(({ digestsOnThread }) =>
          digestsOnThread(body, ["md5"]).then((digests) => digests.md5 as string),
        ),
        writeFully(file, body, offset).catch((error) => {
          throw fail(`writing part ${partNumber} of`, error);
        }),
      ]);
      digests.set(partNumber, Buffer.from(md5, "hex"));
      wrote(body.byteLength);
      return { etag: md5 };
    },

    async finish(): Promise<StoredObject> {
      try {
        await flushed();
        await file.sync();
        await file.close();
        // The file is renamed by its path: only while the part folder is still this upload's is the file
        // there the one it wrote.
        if (lock && !(await lock.held())) throw await lostLock(key, lock);
        await options.moveIntoPlace(tempPath);
      } catch (error) {
        await discard().catch(() => {});
        // The checkpoint stays (a later copy starts over from it, or reuses its parts); the lock goes.
        await lock?.release().catch(() => {});
        throw error instanceof BackendError || error instanceof CopyInProgress
          ? error
          : fail("completing the upload of", error);
      }
      return { key, url: options.url, etag: multipartEtag(digests, layout.partCount), size };
    },

    discard,
    async suspend() {
      await flushed();
      await file.close().catch(() => {});
      await lock?.release().catch(() => {});
    },
    ...(keeper ? { checkpoint: keeper } : {}),
  });
}
