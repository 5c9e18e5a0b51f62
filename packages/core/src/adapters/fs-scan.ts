/**
 * The folder store's fast whole-archive read: every `{folder}/{name}` directly under the root, with its
 * bytes. One listing of the root instead of one per recording folder, and small synchronous reads in
 * short slices instead of a thread-pool round trip per open, stat, read and close.
 *
 * Why synchronous: a recording document is a few KiB and, in a warm archive, in the page cache. Through
 * `fs/promises` each of its four system calls waited for the thread pool (the profile of issue #18: a
 * second of 10,000 documents spent idle); done in place they take microseconds. The slices keep the
 * event loop answering (a `zrec serve` that rebuilds its site meanwhile still answers Zoom in time).
 */
import type { Dirent } from "node:fs";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { ScannedObject } from "../ports.js";
import { hasCode } from "./fs-write.js";
import { keyProblem } from "./keys.js";

const SLICE_MS = 10;
/**
 * Every first read goes here, then the bytes are copied out at their size (a legacy recording document
 * is 1–3 KiB): one buffer for the whole scan instead of a large one per file. Safe to share because
 * the reads are synchronous.
 */
const scratch = Buffer.allocUnsafe(64 * 1024);

// O_NOFOLLOW and O_NONBLOCK: a symbolic link is not an object (listing never showed one), and a FIFO
// must not block the scan. Windows has neither; its links are not followed by a listing either.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export interface FolderScanOptions {
  /** The store's root folder (absolute). */
  root: string;
  /** A top-level folder that holds no objects (the store's temporary files). */
  skip: string;
  /** Wraps a failure of listing or reading into the store's error. */
  fail: (action: string, key: string, cause: unknown) => Error;
  /** How long reads may hold the event loop before others get a turn, in ms. Default 10. */
  sliceMs?: number;
}

/**
 * Yields `{folder}/{name}` for every folder directly under `root` that holds a regular file `name`, in
 * the byte order `list("")` would give its keys. A folder whose key the store would refuse is passed
 * over (nothing could read it through the store), and so is one removed while scanning.
 */
export async function* scanFolderObjects(
  name: string,
  options: FolderScanOptions,
): AsyncGenerator<ScannedObject> {
  const { root, skip, fail, sliceMs = SLICE_MS } = options;
  if (keyProblem(name) !== undefined || name.includes("/")) {
    throw fail("scanning for", JSON.stringify(name), new Error("the name must be one key segment"));
  }
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if (hasCode(error, "ENOENT")) return;
    throw fail("listing", "every key", error);
  }
  // Sorted with the "/" that follows each folder name in its keys: `a-c/x` comes before `a/x`.
  const folders = entries
    .filter((entry) => entry.isDirectory() && entry.name !== skip)
    .map((entry) => ({ folder: entry.name, sortKey: Buffer.from(`${entry.name}/`) }))
    .sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));

  // Folder names from a listing hold no separator: joined as text, not normalised by path.join.
  const base = root.endsWith(path.sep) ? root : root + path.sep;
  let sliceEnds = performance.now() + sliceMs;
  let sinceCheck = 0;
  const checkEvery = sliceMs > 0 ? 8 : 1;
  for (const { folder } of folders) {
    // The name is a valid segment (checked above), so the folder decides whether the key is one.
    if (keyProblem(folder) !== undefined) continue;
    const key = `${folder}/${name}`;
    let body: Uint8Array | undefined;
    try {
      body = readSmallFile(`${base}${folder}${path.sep}${name}`);
    } catch (error) {
      throw fail("reading", key, error);
    }
    if (body !== undefined) yield { key, body };
    // The clock is read every 8 files (each takes microseconds): often enough for 10 ms slices.
    if (++sinceCheck < checkEvery) continue;
    sinceCheck = 0;
    if (performance.now() >= sliceEnds) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceEnds = performance.now() + sliceMs;
    }
  }
}

/** The bytes of the regular file at `file`, or undefined when there is none (missing, a link, a folder). */
function readSmallFile(file: string): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (error) {
    // ELOOP: a symbolic link, refused by O_NOFOLLOW. ENXIO: a socket.
    if (hasCode(error, "ENOENT", "ENOTDIR", "ELOOP", "ENXIO")) return undefined;
    throw error;
  }
  try {
    // Read first, stat only when needed: a Stats object costs more than the read of a small document.
    // A regular file whose read came back short of the buffer is whole (the store replaces files by
    // rename, never in place); one that filled it is read on.
    let filled: number;
    try {
      filled = readSync(fd, scratch, 0, scratch.byteLength, 0);
    } catch (error) {
      // EISDIR: a folder of that name. EAGAIN: a FIFO with a writer. Neither is an object.
      if (hasCode(error, "EISDIR", "EAGAIN")) return undefined;
      throw error;
    }
    // Nothing read: an empty file, or a FIFO or other non-file, which a listing never showed.
    if (filled === 0) return fstatSync(fd).isFile() ? new Uint8Array(0) : undefined;
    if (filled < scratch.byteLength) return Buffer.from(scratch.subarray(0, filled));
    let bytes = Buffer.from(scratch);
    for (;;) {
      const grown = Buffer.allocUnsafe(bytes.byteLength * 2);
      bytes.copy(grown, 0, 0, filled);
      bytes = grown;
      const read = readSync(fd, bytes, filled, bytes.byteLength - filled, filled);
      filled += read;
      if (read === 0 || filled < bytes.byteLength) return bytes.subarray(0, filled);
    }
  } finally {
    closeSync(fd);
  }
}
