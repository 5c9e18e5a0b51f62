/**
 * The part folder of a folder store's resumable upload: its lock, what an earlier run left in it (parts
 * to reuse, or a file already moved into place), and its removal.
 */
import { createHash } from "node:crypto";
import { open, readFile, rmdir } from "node:fs/promises";
import path from "node:path";
import { BackendError, CopyInProgress, ErrorCode } from "../errors.js";
import type { MultipartUpload } from "../ports.js";
import { type Checkpoint, parseCheckpoint } from "./checkpoint.js";
import { type FileLock, lockHolder, tryLock } from "./fs-lock.js";
import type { FsMultipartOptions } from "./fs-multipart.js";
import { clearPartFolder, PART_FOLDER_LOCK } from "./fs-temp.js";
import { hasCode } from "./fs-write.js";
import { multipartUpload } from "./multipart-base.js";

/** The part folder's files. */
export const DATA_FILE = "data";
export const CHECKPOINT_FILE = "checkpoint.json";

/**
 * The upload of a copy killed after its file was moved into place but before its part folder went: every
 * part is already in the file at the key, so finishing only removes the part folder (as S3's
 * `completedFrom` does for an upload S3 completed).
 */
export function completedUpload(
  options: FsMultipartOptions,
  folder: string,
  checkpoint: Checkpoint,
  lock: FileLock,
): MultipartUpload {
  const { description, key, partSize, size } = options;
  const layout = { description, key, partSize, size, partCount: Math.ceil(size / partSize) };
  const digests = new Map(checkpoint.parts.map((part) => [part.partNumber, Buffer.from(part.etag, "hex")]));
  return multipartUpload(layout, {
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
    suspend: () => lock.release(),
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
export async function lockPartFolder(
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
export async function lostLock(key: string, lock: FileLock): Promise<CopyInProgress> {
  return new CopyInProgress(key, await lockHolder(lock.file));
}

/**
 * Removes a part folder, and their parent once empty: an idle store keeps no trace of a copy. Its lock
 * goes last (emptied, unlocked, removed), and a folder another process has taken over is left to it.
 */
export async function removePartFolder(folder: string, lock: FileLock): Promise<void> {
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
export function multipartEtag(digests: Map<number, Buffer>, partCount: number): string {
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
export async function reusableCheckpoint(
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
