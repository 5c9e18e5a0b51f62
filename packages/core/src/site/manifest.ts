/**
 * The build manifest (`build.json`): what the last build published, so the next one rewrites only what
 * changed. Not read by browsers; only the builder reads it.
 */
import { createHash } from "node:crypto";
import type { SiteOutput } from "./output.js";
import { readSiteJson } from "./output.js";
import type { Segment } from "./segments.js";

/** Bumped when pages or the index change shape: every site built before is then rebuilt whole. */
export const SITE_FORMAT = 3;
export const MANIFEST = "build.json";
/** The folders a full build owns: any file in them it did not write is left over from before. */
export const OWNED_FOLDERS = ["rec/", "org/", "search/"];

export interface ManifestEntry {
  /** documentContentHash of what was published. */
  h: string;
  /** The recording's number in the index. */
  n: number;
  org: string;
  /** Cue blocks written. */
  blocks: number;
  /** The segment its postings are live in; absent when it has no words. */
  seg?: string;
}

export interface Manifest {
  format: number;
  /** A hash of everything besides the recordings that shapes the pages: title, zone, assets… */
  settings: string;
  /** The next recording number to hand out. */
  next: number;
  /** The index's segments, oldest first. */
  segments: Segment[];
  /** Listing pages -> a hash of what was written. */
  pages: Record<string, string>;
  recordings: Record<string, ManifestEntry>;
  /** Set while a build is writing: a build that finds it set starts over with a full build. */
  building?: boolean;
}

/** A short content hash: of a page's bytes, of the settings. */
export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

export function emptyManifest(): Manifest {
  return { format: SITE_FORMAT, settings: "", next: 0, segments: [], pages: {}, recordings: {} };
}

/** The last build's manifest, or undefined when there is none this zrec can build on. */
export async function readManifest(output: SiteOutput): Promise<Manifest | undefined> {
  const manifest = await readSiteJson<Manifest>(output, MANIFEST);
  const usable =
    manifest?.format === SITE_FORMAT &&
    typeof manifest.recordings === "object" &&
    Array.isArray(manifest.segments) &&
    typeof manifest.pages === "object";
  return usable ? manifest : undefined;
}
