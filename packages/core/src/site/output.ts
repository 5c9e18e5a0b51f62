/**
 * Where a site is written: into the store under `site/` (so serving the store's root serves the site),
 * or into a folder of its own (`--out DIR`). The builder reads back what it wrote before (its manifest,
 * shards) through the same interface, so incremental builds work on both.
 */
import { randomUUID } from "node:crypto";
import type { Dirent } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ObjectStore } from "../ports.js";
import { SEGMENTS_FOLDER } from "./search-index.js";

export interface SiteOutput {
  readonly description: string;
  read(file: string): Promise<Uint8Array | undefined>;
  write(file: string, body: string): Promise<void>;
  delete(file: string): Promise<void>;
  /** Every file under the folder `prefix` (which ends with "/"), as site paths. */
  list(prefix: string): AsyncIterable<string>;
  /** The folder is zrec's alone (the store's `site/`): nothing of anyone else's can be in it. */
  readonly owned?: boolean;
  /** Removes what a build killed half-way left of its temporary files. */
  clearTemp?(): Promise<void>;
}

/**
 * A site file's JSON, or undefined when it is missing or damaged (a damaged file is rebuilt or
 * ignored, never trusted).
 */
export async function readSiteJson<T>(output: SiteOutput, file: string): Promise<T | undefined> {
  const bytes = await output.read(file);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as T;
  } catch {
    return undefined;
  }
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
};

/** The Content-Type of a site file, by its extension. */
function siteContentType(file: string): string {
  return TYPES[file.split(".").at(-1) ?? ""] ?? "application/octet-stream";
}

/**
 * How long a browser or CDN may keep a file: pages, meta.json and the docs and cue files change with
 * builds, so they are revalidated; the script and stylesheet change only with zrec's version, a day is
 * fine; a segment's shards never change (a segment is named by what it holds and replaced, not edited).
 */
export function siteCacheControl(file: string): string {
  if (file.startsWith(SEGMENTS_FOLDER)) return "public, max-age=31536000, immutable";
  return file.startsWith("assets/") ? "public, max-age=86400" : "public, max-age=0, must-revalidate";
}

/** The site inside the store, at `{prefix}site/…` (S3 objects get Content-Type and Cache-Control). */
export function storeSiteOutput(store: ObjectStore, prefix = "site/"): SiteOutput {
  return {
    description: `${store.description} (${prefix})`,
    owned: true,
    read: (file) => store.get(prefix + file),
    async write(file, body) {
      await store.put(prefix + file, body, {
        contentType: siteContentType(file),
        cacheControl: siteCacheControl(file),
      });
    },
    delete: (file) => store.delete(prefix + file),
    async *list(folder) {
      for await (const key of store.list(prefix + folder)) yield key.slice(prefix.length);
    },
  };
}

/** Where a site in a folder of its own keeps files being written; never part of the site. */
export const SITE_TEMP_DIR = ".zrec-tmp";

/** The site in a folder of its own. */
export function folderSiteOutput(dir: string): SiteOutput {
  const resolve = (file: string) => {
    const full = path.resolve(dir, file);
    // Site paths are built from recording ids and slugs; this is the last guard, not the first.
    if (!full.startsWith(path.resolve(dir) + path.sep)) throw new Error(`${file} is outside ${dir}`);
    return full;
  };
  // Temporary files go to a dot-folder of their own: written beside their page, those a killed build
  // left were served by any static host, and a withdrawn recording's text with them.
  const temp = path.join(dir, SITE_TEMP_DIR);
  let tempMade: Promise<unknown> | undefined;
  return {
    description: `folder ${dir}`,
    async clearTemp() {
      tempMade = undefined;
      await rm(temp, { recursive: true, force: true });
    },
    async read(file) {
      try {
        return await readFile(resolve(file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async write(file, body) {
      const full = resolve(file);
      tempMade ??= mkdir(temp, { recursive: true });
      await Promise.all([mkdir(path.dirname(full), { recursive: true }), tempMade]);
      // Through a temp name, so a server never sends half a page.
      const aside = path.join(temp, `${randomUUID()}.tmp`);
      await writeFile(aside, body);
      await rename(aside, full);
    },
    async delete(file) {
      const full = resolve(file);
      await rm(full, { force: true });
      // A segment's or a recording's cue folder goes with its last file; a folder not empty stays.
      if (path.dirname(full) !== path.resolve(dir)) await rmdir(path.dirname(full)).catch(() => {});
    },
    async *list(folder) {
      const base = resolve(folder);
      let entries: Dirent[];
      try {
        entries = await readdir(base, { recursive: true, withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      const files = entries
        .filter((entry) => entry.isFile() && !entry.name.endsWith(".tmp"))
        .map((entry) =>
          path.relative(base, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"),
        );
      for (const file of files.sort()) yield `${folder}${file}`;
    },
  };
}
