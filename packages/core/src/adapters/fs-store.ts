/**
 * The embedded object store: a folder. Keys are `/`-separated paths under the root; an object appears
 * at its path only when complete (written to `{root}/.zrec-tmp/`, synced, then renamed into place), and
 * nothing is ever written outside the root.
 */
import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { type FileHandle, open, readdir, readFile, rename, rmdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { defaultConfig } from "../config/defaults.js";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import type { MultipartLimits, ObjectStore, StoredObject } from "../ports.js";
import { scanFolderObjects } from "./fs-scan.js";
import { FS_RESUME_DIR, FS_TEMP_DIR, sweepTempFolder, tempFileName } from "./fs-temp.js";
import { hasCode, makeFolder, syncDirectory, writeFully } from "./fs-write.js";
import { keyProblem, refusedKey, sortByKeyBytes } from "./keys.js";

export { FS_RESUME_DIR, FS_TEMP_DIR };

export interface FsStoreOptions {
  /** The folder that holds every object; created on first write. Relative paths resolve against the cwd. */
  root: string;
  /**
   * Part folders of interrupted resumable copies untouched for this many days are removed by the first
   * write of each process (`ingest.abandonedAfterDays`). Default that key's default, 7.
   */
  abandonedAfterDays?: number;
}

/**
 * A file takes any part size, but a resumable copy's checkpoint lists every part and is rewritten after
 * each one: as many parts as S3 takes at most keeps it under about 2 MB.
 */
const FS_MULTIPART_LIMITS: MultipartLimits = {
  minPartSize: 1,
  maxPartSize: Number.MAX_SAFE_INTEGER,
  maxParts: 10_000,
};

/**
 * Opens a folder as an {@link ObjectStore}. Content types are not kept (a folder has nowhere to put
 * them); ETags are computed like S3's so documents look the same whichever store wrote them.
 * @example
 * const store = createFsStore({ root: "./zrec-data" });
 * await store.put("0a7203ad-…/recording.json", "{}", { contentType: "application/json" });
 * for await (const key of store.list("0a7203ad-")) console.log(key);
 */
export function createFsStore(options: FsStoreOptions): ObjectStore {
  const description = `folder ${options.root}`;
  const root = path.resolve(options.root);
  const rootPrefix = root.endsWith(path.sep) ? root : root + path.sep;
  const tempDir = path.join(root, FS_TEMP_DIR);

  const fail = (action: string, key: string, cause: unknown) =>
    new BackendError(ErrorCode.STORE_FAILED, `${description}: ${action} ${key} failed: ${messageOf(cause)}`, {
      cause,
    });

  /** The absolute path of `key`, or a refusal when the key could name anything outside the root. */
  function pathFor(key: string): string {
    const problem =
      keyProblem(key) ??
      (key.split("/")[0] === FS_TEMP_DIR ? `${FS_TEMP_DIR} is reserved for unfinished writes` : undefined);
    const full = problem === undefined ? path.resolve(root, ...key.split("/")) : "";
    if (problem !== undefined || !full.startsWith(rootPrefix)) {
      throw refusedKey(description, key, problem ?? "it resolves outside the folder");
    }
    return full;
  }

  async function moveIntoPlace(tempPath: string, finalPath: string): Promise<void> {
    const parent = path.dirname(finalPath);
    // A concurrent delete may prune the (then empty) parent between mkdir and rename: try again.
    for (let attempt = 1; ; attempt++) {
      await makeFolder(parent);
      try {
        await rename(tempPath, finalPath);
        break;
      } catch (error) {
        if (!hasCode(error, "ENOENT") || attempt >= 3) throw error;
      }
    }
    await syncDirectory(parent);
  }

  let swept: Promise<void> | undefined;

  async function newTempPath(): Promise<string> {
    await makeFolder(tempDir);
    swept ??= sweepTempFolder(tempDir, options.abandonedAfterDays ?? defaultConfig.ingest.abandonedAfterDays);
    await swept;
    return path.join(tempDir, tempFileName());
  }

  /**
   * Runs `write` against a fresh temporary file, then syncs it and renames it to `key`'s path. Errors
   * from `write` pass through unchanged (a failing source stream is the caller's error, not the store's).
   */
  async function writeAtomically<T>(key: string, write: (handle: FileHandle) => Promise<T>): Promise<T> {
    const finalPath = pathFor(key);
    let tempPath: string | undefined;
    let handle: FileHandle | undefined;
    try {
      try {
        tempPath = await newTempPath();
        handle = await open(tempPath, "wx");
      } catch (error) {
        throw fail("writing", key, error);
      }
      const result = await write(handle);
      try {
        await handle.sync();
        await handle.close();
        handle = undefined;
        await moveIntoPlace(tempPath, finalPath);
      } catch (error) {
        throw fail("writing", key, error);
      }
      return result;
    } catch (error) {
      await handle?.close().catch(() => {});
      if (tempPath !== undefined) await unlink(tempPath).catch(() => {});
      throw error;
    }
  }

  function stored(key: string, md5: string, size: number): StoredObject {
    return { key, url: urlFor(key), etag: `"${md5}"`, size };
  }

  function urlFor(key: string): string {
    return pathToFileURL(pathFor(key)).href;
  }

  async function* walk(dir: string, keyPrefix: string, prefix: string): AsyncGenerator<string> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      // A missing root is an empty store; a folder removed while listing has nothing left to list.
      if (hasCode(error, "ENOENT") || (keyPrefix !== "" && hasCode(error, "ENOTDIR"))) return;
      throw fail("listing", prefix === "" ? "every key" : `keys under ${prefix}`, error);
    }
    // Sorting names with a trailing "/" on folders makes a depth-first walk yield keys in the same
    // byte order S3 lists them (`a-c` before `a/b`).
    const items = sortByKeyBytes(
      entries
        .filter(
          (entry) =>
            (entry.isFile() || entry.isDirectory()) && !(keyPrefix === "" && entry.name === FS_TEMP_DIR),
        )
        .map((entry) => ({ name: entry.name, isDir: entry.isDirectory() })),
      (item) => (item.isDir ? `${item.name}/` : item.name),
    );
    for (const item of items) {
      const key = keyPrefix + item.name;
      if (!item.isDir) {
        if (key.startsWith(prefix)) yield key;
        continue;
      }
      const childPrefix = `${key}/`;
      if (childPrefix.startsWith(prefix) || prefix.startsWith(childPrefix)) {
        yield* walk(path.join(dir, item.name), childPrefix, prefix);
      }
    }
  }

  /** Removes folders left empty by a delete, up to (not including) the root; stops at the first non-empty. */
  async function pruneEmptyParents(fullPath: string): Promise<void> {
    for (let dir = path.dirname(fullPath); dir.startsWith(rootPrefix); dir = path.dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
    }
  }

  return {
    description,
    multipartLimits: FS_MULTIPART_LIMITS,
    urlFor,

    async put(key, body, _options) {
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      return writeAtomically(key, async (handle) => {
        try {
          await writeFully(handle, bytes);
        } catch (error) {
          throw fail("writing", key, error);
        }
        return stored(key, createHash("md5").update(bytes).digest("hex"), bytes.byteLength);
      });
    },

    async putStream(key, body: Readable, _options) {
      return writeAtomically(key, async (handle) => {
        const md5 = createHash("md5");
        let size = 0;
        for await (const chunk of body) {
          const bytes: Uint8Array = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
          try {
            await writeFully(handle, bytes);
          } catch (error) {
            body.destroy();
            throw fail("writing", key, error);
          }
          md5.update(bytes);
          size += bytes.byteLength;
        }
        return stored(key, md5.digest("hex"), size);
      });
    },

    async get(key) {
      const full = pathFor(key);
      try {
        return await readFile(full);
      } catch (error) {
        // A folder or a path through a file is not an object: on S3 there would be nothing at the key.
        if (hasCode(error, "ENOENT", "ENOTDIR", "EISDIR")) return undefined;
        throw fail("reading", key, error);
      }
    },

    async head(key) {
      const full = pathFor(key);
      try {
        const info = await stat(full);
        return info.isFile() ? { key, size: info.size } : undefined;
      } catch (error) {
        if (hasCode(error, "ENOENT", "ENOTDIR")) return undefined;
        throw fail("inspecting", key, error);
      }
    },

    list(prefix) {
      return walk(root, "", prefix);
    },

    scanFolders(name) {
      return scanFolderObjects(name, { root, skip: FS_TEMP_DIR, fail });
    },

    async delete(key) {
      const full = pathFor(key);
      try {
        await unlink(full);
      } catch (error) {
        if (hasCode(error, "ENOENT", "ENOTDIR", "EISDIR")) return;
        throw fail("deleting", key, error);
      }
      await pruneEmptyParents(full);
    },

    async read(key) {
      const full = pathFor(key);
      try {
        const handle = await open(full, "r");
        if ((await handle.stat()).isDirectory()) {
          await handle.close();
          return undefined;
        }
        return handle.createReadStream({ highWaterMark: 1024 * 1024 });
      } catch (error) {
        if (hasCode(error, "ENOENT", "ENOTDIR", "EISDIR")) return undefined;
        throw fail("reading", key, error);
      }
    },

    async createMultipartUpload(key, { partSize, size, resumeId }) {
      const finalPath = pathFor(key);
      let tempPath: string;
      try {
        tempPath = await newTempPath();
      } catch (error) {
        throw fail("starting the upload of", key, error);
      }
      // One part folder per key (named by its hash: keys hold slashes), so the next run finds it.
      const folder = path.join(
        tempDir,
        FS_RESUME_DIR,
        createHash("sha256").update(key).digest("hex").slice(0, 40),
      );
      // Loaded here: the commands that only read the store (list, get) start without the upload code.
      const { openFsMultipart } = await import("./fs-multipart.js");
      return openFsMultipart({
        description,
        key,
        url: urlFor(key),
        tempPath,
        partSize,
        size,
        moveIntoPlace: (temp) => moveIntoPlace(temp, finalPath),
        finalPath,
        ...(resumeId !== undefined ? { resume: { folder, resumeId } } : {}),
      });
    },
  };
}
