/**
 * What `zrec site serve` may send from a folder store's root: the site, and the files of the recordings
 * the last build published. The same root holds the index (meeting passcodes), the outbox, each
 * recording's metadata (passcode, join URL, host) and the media of recordings that are not published;
 * none of that may leave the machine because the site happens to live beside it.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { documentKey } from "../pipeline/store-json.js";
import type { RecordingDocument } from "../recording/document.js";
import { MANIFEST } from "./manifest.js";
import { fileName } from "./recording-view.js";

/** Whether a path (decoded, normalised, relative to the served root, starting with "/") may be sent. */
export type AllowPath = (pathname: string) => boolean | Promise<boolean>;

const SITE = "site";
/** `/{recording_id}/{file}`: a recording's files are plain names in its folder. */
const RECORDING_FILE = /^\/([^/]+)\/([^/]+)$/;

/**
 * The builder's manifest is refused in any case: a case-insensitive disk would hand `Build.JSON` over.
 * Browsers never read it.
 */
function isManifest(pathname: string, manifestPath: string): boolean {
  return pathname.toLowerCase() === manifestPath;
}

/** Everything in a site built with `--out DIR`, except its manifest and dot-files. */
export function builtSitePolicy(): AllowPath {
  // Nor a dot-file or dot-folder (the build's temporary files are in `.zrec-tmp/`).
  return (pathname) =>
    !isManifest(pathname, `/${MANIFEST}`) && !pathname.split("/").some((p) => p.startsWith("."));
}

/**
 * A folder store's root: `/site/…` (not its manifest), and `/{id}/{file}` when the site's manifest
 * lists `id` and `file` is one of the files its pages link. Anything unreadable means no.
 * @example
 * await serveStatic({ dir: root, allow: storeSitePolicy(root) });
 */
export function storeSitePolicy(root: string): AllowPath {
  const published = cachedJson((json) => {
    const recordings = (json as { recordings?: unknown } | null)?.recordings;
    return typeof recordings === "object" && recordings !== null
      ? new Set(Object.keys(recordings))
      : undefined;
  });
  const filesOf = cachedJson(linkedFiles);
  const manifestPath = `/${SITE}/${MANIFEST}`;
  return async (pathname) => {
    if (pathname.startsWith(`/${SITE}/`)) return !isManifest(pathname, manifestPath);
    const match = RECORDING_FILE.exec(pathname);
    if (!match) return false;
    const [, id = "", name = ""] = match;
    const ids = await published(path.join(root, SITE, MANIFEST));
    if (!ids?.has(id)) return false;
    const names = await filesOf(path.join(root, documentKey(id)));
    return names?.has(name) === true;
  };
}

/** The names a recording's pages link its files by; a file the pages cannot name is not served. */
function linkedFiles(json: unknown): Set<string> | undefined {
  const doc = json as RecordingDocument | null;
  if (!Array.isArray(doc?.files)) return undefined;
  const names = new Set<string>();
  for (const file of doc.files) {
    try {
      names.add(fileName(doc, file));
    } catch {
      // Not a plain name in the recording's folder: the site does not show it either.
    }
  }
  return names;
}

/**
 * What `derive` makes of a JSON file, read again when the file changes: a site rebuilt while serving
 * withdraws its recordings at once. Writers replace these files by rename, so the inode changes even
 * when the time does not. A file stat()ed, then replaced before it is read, is read again next time.
 */
function cachedJson<T>(derive: (json: unknown) => T | undefined) {
  const cache = new Map<string, { version: string; value: T | undefined }>();
  return async (file: string): Promise<T | undefined> => {
    let version: string;
    try {
      const info = await stat(file, { bigint: true });
      version = `${info.ino}:${info.mtimeNs}:${info.size}`;
    } catch {
      cache.delete(file);
      return undefined;
    }
    const cached = cache.get(file);
    if (cached?.version === version) return cached.value;
    let value: T | undefined;
    try {
      value = derive(JSON.parse(await readFile(file, "utf8")));
    } catch {
      value = undefined;
    }
    cache.set(file, { version, value });
    return value;
  };
}
