/**
 * The folder store's temporary folder: where files are written before they are renamed into place,
 * how they are named, and the clean-up of what killed processes and abandoned copies left there.
 */
import { randomUUID } from "node:crypto";
import { readdir, rm, rmdir, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { hasCode } from "./fs-write.js";
import { processRuns } from "./process-runs.js";

/** Temporary files live here, inside the root, so that the final rename never crosses file systems. */
export const FS_TEMP_DIR = ".zrec-tmp";
/** Part folders of resumable uploads, one per key, inside the temporary folder. */
export const FS_RESUME_DIR = "resume";
/**
 * The lock file inside a part folder (see fs-lock.ts): the copy of its key that holds it owns the folder,
 * from opening the upload until it completes or aborts. Another process copying the same key at once
 * would otherwise remove the folder or write into its file.
 */
export const PART_FOLDER_LOCK = "lock";

/**
 * Temporary files are named `{host}.{pid}.{uuid}.part`, so that a process killed mid-write (kill -9, a
 * power cut) leaves a file the next process on the same host can tell is orphaned: its pid is gone.
 * Found by the crash tests (packages/cli/test/faults/crash.e2e.test.ts): every killed copy used to
 * leave its temporary file behind for good.
 */
const TEMP_HOST = hostname().replace(/[^A-Za-z0-9-]/g, "_") || "host";
const TEMP_NAME = /^(.+)\.(\d+)\.[0-9a-f-]{36}\.part$/;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A new temporary file's name, `{host}.{pid}.{uuid}.part`. */
export function tempFileName(): string {
  return `${TEMP_HOST}.${process.pid}.${randomUUID()}.part`;
}

/**
 * Removes what processes of this host that no longer run left in `tempDir`, then the part folders of
 * copies untouched for `abandonedAfterDays`. Best effort: never fails a write.
 */
export async function sweepTempFolder(tempDir: string, abandonedAfterDays: number): Promise<void> {
  await removeOrphans(tempDir);
  await removeAbandoned(tempDir, abandonedAfterDays * DAY_MS);
}

/**
 * Removes the part folders (`.zrec-tmp/resume/…`) of copies that no run came back to: their checkpoint
 * (rewritten after every part) is older than `maxAgeMs`, and no live process holds their lock (which is
 * taken for the removal, so that no copy starts in the folder meanwhile). Best effort, like
 * {@link removeOrphans}.
 */
async function removeAbandoned(tempDir: string, maxAgeMs: number): Promise<void> {
  const parts = path.join(tempDir, FS_RESUME_DIR);
  let names: string[];
  try {
    names = await readdir(parts);
  } catch {
    return;
  }
  const cutoff = Date.now() - maxAgeMs;
  for (const name of names) {
    const folder = path.join(parts, name);
    // The folder's own time changes when its checkpoint is renamed into it, i.e. after every part.
    const info = await stat(folder).catch(() => undefined);
    if (!info || info.mtimeMs >= cutoff) continue;
    if (!info.isDirectory()) {
      await rm(folder, { force: true }).catch(() => {});
      continue;
    }
    await removePartFolderOnceFree(folder).catch(() => {});
  }
}

/**
 * Removes a part folder unless a live process holds its lock, which is taken meanwhile so that no copy
 * starts in the folder while it goes. This process's own lock is taken over too: one it still held
 * would be that of a copy it dropped long ago.
 */
async function removePartFolderOnceFree(folder: string): Promise<void> {
  // Loaded here: only a store with an abandoned copy needs it.
  const { tryLock } = await import("./fs-lock.js");
  const { lock } = await tryLock(path.join(folder, PART_FOLDER_LOCK), { reclaimOwn: true });
  if (!lock) return;
  try {
    await clearPartFolder(folder);
  } finally {
    await lock.release();
  }
  await rmdir(folder);
}

/**
 * Removes everything in a part folder but its lock file, whose holder calls this. Another process's
 * files for taking the lock (see fs-lock.ts) may go too: it writes them again.
 */
export async function clearPartFolder(folder: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if (hasCode(error, "ENOENT")) return;
    throw error;
  }
  for (const name of names) {
    if (name !== PART_FOLDER_LOCK) await rm(path.join(folder, name), { recursive: true, force: true });
  }
}

/**
 * Removes the temporary files that processes of this host which no longer run left behind, once per
 * store. Files of other hosts (a shared network folder) and of live processes are left alone; a pid
 * reused by an unrelated process only keeps a file longer. Best effort: never fails a write.
 */
async function removeOrphans(tempDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(tempDir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match || match[1] !== TEMP_HOST) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || processRuns(pid)) continue;
    await unlink(path.join(tempDir, name)).catch(() => {});
  }
}
