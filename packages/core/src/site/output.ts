/**
 * Where a site is written: into the store under `site/` (so serving the store's root serves the site),
 * or into a folder of its own (`--out DIR`). The builder reads back what it wrote before (its manifest,
 * shards) through the same interface, so incremental builds work on both.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ObjectStore } from "../ports.js";

export interface SiteOutput {
  readonly description: string;
  read(file: string): Promise<Uint8Array | undefined>;
  write(file: string, body: string): Promise<void>;
  delete(file: string): Promise<void>;
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
 * How long a browser or CDN may keep a file: pages and the search index change with every build, so
 * they are revalidated; the script and stylesheet change only with zrec's version, a day is fine.
 */
function siteCacheControl(file: string): string {
  return file.startsWith("assets/") ? "public, max-age=86400" : "public, max-age=0, must-revalidate";
}

/** The site inside the store, at `{prefix}site/…` (S3 objects get Content-Type and Cache-Control). */
export function storeSiteOutput(store: ObjectStore, prefix = "site/"): SiteOutput {
  return {
    description: `${store.description} (${prefix})`,
    read: (file) => store.get(prefix + file),
    async write(file, body) {
      await store.put(prefix + file, body, {
        contentType: siteContentType(file),
        cacheControl: siteCacheControl(file),
      });
    },
    delete: (file) => store.delete(prefix + file),
  };
}

/** The site in a folder of its own. */
export function folderSiteOutput(dir: string): SiteOutput {
  const resolve = (file: string) => {
    const full = path.resolve(dir, file);
    // Site paths are built from recording ids and slugs; this is the last guard, not the first.
    if (!full.startsWith(path.resolve(dir) + path.sep)) throw new Error(`${file} is outside ${dir}`);
    return full;
  };
  return {
    description: `folder ${dir}`,
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
      await mkdir(path.dirname(full), { recursive: true });
      // Through a temp name, so a server never sends half a page.
      const temp = `${full}.${process.pid}.tmp`;
      await writeFile(temp, body);
      const { rename } = await import("node:fs/promises");
      await rename(temp, full);
    },
    delete: (file) => rm(resolve(file), { force: true }),
  };
}
