/**
 * A multipart upload into one temporary file: parts are written at their offsets as they arrive (in any
 * order, concurrently), and the finished file is renamed into place only once every part is there.
 * A resumable upload (`resume`) lives in a part folder of its own: the file, and a checkpoint rewritten
 * after each part that a later upload of the same file reuses once every listed part passes its MD5.
 * It holds the part folder's lock from start to completion or abort: another process copying the same
 * key at once fails with CopyInProgress instead of removing the folder (the file the first is writing
 * included) and making its own, which the first would then have renamed into place half-written.
 */
import { createHash } from "node:crypto";
import { type FileHandle, open, readFile, rename, rmdir, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { BackendError, CopyInProgress, ErrorCode, messageOf } from "../errors.js";
import type { MultipartUpload, StoredObject } from "../ports.js";
import { type Checkpoint, parseCheckpoint } from "./checkpoint.js";
import { type FileLock, lockHolder, tryLock } from "./fs-lock.js";
import { clearPartFolder, PART_FOLDER_LOCK } from "./fs-temp.js";
import { hasCode, writeFully } from "./fs-write.js";
import type { CheckpointKeeper } from "./multipart-base.js";
import { checkLayout, multipartUpload } from "./multipart-base.js";

/** A part's MD5 as a caller may give it. */
const MD5_HEX = /^[0-9a-f]{32}$/;

/** The part folder's files. */
const DATA_FILE = "data";
const CHECKPOINT_FILE = "checkpoint.json";

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
    }
  } catch (error) {
    await lock?.release().catch(() => {});
    throw error;
  }
  const file = handle;

  const digests = new Map<number, Buffer>(
    checkpoint?.parts.map((part) => [part.partNumber, Buffer.from(part.etag, "hex")]),
  );

  // Parts written are flushed to disk while the copy goes on, one flush at a time, so that the fsync
  // before the rename (still the point where the file is durable) finds little left to write. Alone at
  // the end it wrote the whole file after its last byte had arrived: ~0.2 s of a 256 MiB ingest.
  // A failed flush is left to that fsync to report.
  let flushing: Promise<void> | undefined;
  let flushAgain = false;
  const flushSoon = (): void => {
    if (flushing) {
      flushAgain = true;
      return;
    }
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
    takesPartMd5: true,
    async sendPart(partNumber, offset, body, given) {
      // The part's MD5 (its ETag, and what a resumed copy checks each stored part against) comes with it
      // from a ranged copy, computed as the bytes arrived; else it runs on the hashing thread while the
      // bytes go to disk: on two cores the main thread's time is the network's.
      // Loaded here: commands that only read the store (list, get) must not load the copy's modules.
      const computed =
        given === undefined || !MD5_HEX.test(given)
          ? import("../hash-thread.js").then(({ digestsOnThread }) =>
              digestsOnThread(body, ["md5"]).then((digests) => digests.md5 as string),
            )
          : Promise.resolve(given);
      const [md5] = await Promise.all([
        computed,
        writeFully(file, body, offset).catch((error) => {
          throw fail(`writing part ${partNumber} of`, error);
        }),
      ]);
      digests.set(partNumber, Buffer.from(md5, "hex"));
      flushSoon();
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
    ...(keeper ? { checkpoint: keeper } : {}),
  });
}

/**
 * The upload of a copy killed after its file was moved into place but before its part folder went: every
 * part is already in the file at the key, so finishing only removes the part folder (as S3's
 * `completedFrom` does for an upload S3 completed).
 */
function completedUpload(
  options: FsMultipartOptions,
  folder: string,
  checkpoint: Checkpoint,
  lock: FileLock,
): MultipartUpload {
  const { description, key, partSize, size } = options;
  const layout = { description, key, partSize, size, partCount: Math.ceil(size / partSize) };
  const digests = new Map(checkpoint.parts.map((part) => [part.partNumber, Buffer.from(part.etag, "hex")]));
  return multipartUpload(layout, {
    takesPartMd5: true,
    async sendPart(partNumber) {
      throw new BackendError(
        ErrorCode.STORE_FAILED,
        `${description}: part ${partNumber} of ${key} is already stored`,
      );
    },
    async finish() {
      return { key, url: options.url, etag: multipartEtag(digests, layout.partCount), size };
    },
    async discard() {},
    checkpoint: {
      initial: checkpoint,
      async save() {},
      remove: () => removePartFolder(folder, lock),
    },
  });
}

/**
 * Takes the part folder's lock (the folder is made when missing). A lock of this very process is taken
 * over: within a process zrec copies a key once at a time (one task per key, one job per recording), so
 * it is that of an upload this process dropped without completing or aborting it (a copy suspended at
 * its time budget, a test standing in for a kill), which can then no longer complete: see `held()`.
 */
async function lockPartFolder(
  folder: string,
  key: string,
  fail: (what: string, cause?: unknown) => BackendError,
): Promise<FileLock> {
  let attempt: Awaited<ReturnType<typeof tryLock>>;
  try {
    attempt = await tryLock(path.join(folder, PART_FOLDER_LOCK), { reclaimOwn: true });
  } catch (error) {
    throw fail("starting the upload of", error);
  }
  if (!attempt.lock) throw new CopyInProgress(key, attempt.holder);
  return attempt.lock;
}

/** The refusal of an upload whose part folder another process took over. */
async function lostLock(key: string, lock: FileLock): Promise<CopyInProgress> {
  return new CopyInProgress(key, await lockHolder(lock.file));
}

/**
 * Removes a part folder, and their parent once empty: an idle store keeps no trace of a copy. Its lock
 * goes last (emptied, unlocked, removed), and a folder another process has taken over is left to it.
 */
async function removePartFolder(folder: string, lock: FileLock): Promise<void> {
  try {
    if (!(await lock.held())) return;
    await clearPartFolder(folder);
  } finally {
    await lock.release();
  }
  // Fails when another copy of the key has taken the lock since: the folder is then its own.
  await rmdir(folder).catch(() => {});
  await rmdir(path.dirname(folder)).catch(() => {});
}

/** S3's multipart ETag, which the folder store gives too: the MD5 of the parts' MD5s, then the count. */
function multipartEtag(digests: Map<number, Buffer>, partCount: number): string {
  const parts = Array.from({ length: partCount }, (_, i) => digests.get(i + 1) ?? Buffer.alloc(0));
  return `"${createHash("md5").update(Buffer.concat(parts)).digest("hex")}-${partCount}"`;
}

/**
 * The part folder's checkpoint when it was made for `target` and every part it lists still holds the
 * bytes it had (the MD5 it was stored with, read back from the file): a part that changed since makes
 * the copy start over. MD5 finds a torn or damaged part; whoever can write the part folder could
 * forge any checksum kept beside it, so a stronger one would guard nothing more. `completed`: the
 * part folder's file is gone because it was moved to `finalPath`, which holds every part.
 */
async function reusableCheckpoint(
  folder: string,
  target: Pick<Checkpoint, "key" | "resumeId" | "size" | "partSize">,
  finalPath: string,
): Promise<{ checkpoint: Checkpoint; completed: boolean } | undefined> {
  const text = await readFile(path.join(folder, CHECKPOINT_FILE), "utf8");
  const checkpoint = parseCheckpoint(text, target);
  if (!checkpoint || checkpoint.parts.length === 0) return undefined;
  try {
    return (await partsIntact(path.join(folder, DATA_FILE), checkpoint))
      ? { checkpoint, completed: false }
      : undefined;
  } catch (error) {
    if (!hasCode(error, "ENOENT")) throw error;
  }
  const every = checkpoint.parts.length === Math.ceil(target.size / target.partSize);
  return every && (await partsIntact(finalPath, checkpoint)) ? { checkpoint, completed: true } : undefined;
}

/** Whether `file` has the checkpoint's size and each listed part's MD5 at its offset. */
async function partsIntact(file: string, checkpoint: Checkpoint): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    if ((await handle.stat()).size !== checkpoint.size) return false;
    const buffer = Buffer.alloc(checkpoint.partSize);
    for (const part of checkpoint.parts) {
      const bytes = buffer.subarray(0, part.size);
      const { bytesRead } = await handle.read(
        bytes,
        0,
        part.size,
        (part.partNumber - 1) * checkpoint.partSize,
      );
      if (bytesRead !== part.size) return false;
      if (createHash("md5").update(bytes).digest("hex") !== part.etag) return false;
    }
    return true;
  } finally {
    await handle.close();
  }
}
