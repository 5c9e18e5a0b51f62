/**
 * The folder store's fast whole-archive read: every `{folder}/{name}` directly under the root, as text.
 * One listing of the root instead of one per recording folder, and small synchronous reads in short
 * slices instead of a thread-pool round trip per open, stat, read and close.
 *
 * Why synchronous: a recording document is a few KiB and, in a warm archive, in the page cache. Through
 * `fs/promises` each of its four system calls waited for the thread pool (the profile of issue #18: a
 * second of 10,000 documents spent idle); done in place they take microseconds. The slices keep the
 * event loop answering (a `zrec serve` that rebuilds its site meanwhile still answers Zoom in time).
 *
 * Why text: `readFileSync(file, "utf8")` opens, reads, decodes and closes in one call into Node's C++,
 * with no Buffer per file; reading into a shared buffer and copying each file out (as before) cost
 * 10,000 documents about 50 ms more, and the copies were garbage to collect.
 */
import type { Dirent } from "node:fs";
import { constants, lstatSync, readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { ScannedObject } from "../ports.js";
import { hasCode } from "./fs-write.js";
import { keyProblem, sortByKeyBytes } from "./keys.js";

const SLICE_MS = 10;
/**
 * Objects per yield. An async generator's yield costs microseconds cold (10,000 yields: 40-55 ms under
 * load; 20 yields of 500: 1 ms), so objects go out in small groups; small, because the event loop
 * waits while the caller handles a group as well as while the group is read.
 */
const GROUP = 64;

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
 * the byte order `list("")` would give its keys, a group at a time. A folder whose key the store would
 * refuse is passed over (nothing could read it through the store), and so is one removed while scanning.
 */
export async function* scanFolderObjects(
  name: string,
  options: FolderScanOptions,
): AsyncGenerator<ScannedObject[]> {
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
  const folders = sortByKeyBytes(
    entries.filter((entry) => entry.isDirectory() && entry.name !== skip).map((entry) => entry.name),
    (folder) => `${folder}/`,
  );

  // Folder names from a listing hold no separator: joined as text, not normalised by path.join.
  const base = root.endsWith(path.sep) ? root : root + path.sep;
  // No slices, no groups: every object alone, and the event loop runs after each.
  const groupSize = sliceMs > 0 ? GROUP : 1;
  let sliceEnds = performance.now() + sliceMs;
  let group: ScannedObject[] = [];
  for (const folder of folders) {
    // The name is a valid segment (checked above), so the folder decides whether the key is one.
    if (keyProblem(folder) !== undefined) continue;
    const key = `${folder}/${name}`;
    let text: string | undefined;
    try {
      text = readText(`${base}${folder}${path.sep}${name}`);
    } catch (error) {
      throw fail("reading", key, error);
    }
    if (text === undefined || group.push({ key, text }) < groupSize) continue;
    yield group;
    group = [];
    // The clock is read once a group, after the caller has handled it: the slice counts both.
    if (performance.now() >= sliceEnds) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceEnds = performance.now() + sliceMs;
    }
  }
  if (group.length > 0) yield group;
}

/** The text of the regular file at `file`, or undefined when there is none (missing, a link, a folder). */
function readText(file: string): string | undefined {
  let text: string;
  try {
    // Node takes open(2) flags as a number here as in fs.open; its types only name the string forms.
    text = readFileSync(file, { encoding: "utf8", flag: OPEN_FLAGS as unknown as string });
  } catch (error) {
    // ELOOP: a symbolic link, refused by O_NOFOLLOW. ENXIO: a socket. EISDIR: a folder of that name.
    // EAGAIN: a FIFO with a writer. None of them is an object.
    if (hasCode(error, "ENOENT", "ENOTDIR", "ELOOP", "ENXIO", "EISDIR", "EAGAIN")) return undefined;
    throw error;
  }
  // Nothing read: an empty file, or a FIFO without a writer, which a listing never showed. Rare: the
  // stat is paid only here.
  if (text === "") return lstatSync(file, { throwIfNoEntry: false })?.isFile() ? "" : undefined;
  return text;
}
