/**
 * `zrec site build`: the static site from the index and the store. A manifest (`build.json`) remembers
 * each published recording's content hash, so a re-run rewrites only what changed: the pages of
 * recordings added, reindexed or withdrawn, the listings they appear in, their docs page, and one new
 * search segment with their words (segments.ts; now and then a merge rewrites more). A change of
 * settings (title, time zone, media base, the site's own format) rebuilds all.
 */
import pLimit from "p-limit";
import type { Config } from "../config/types.js";
import { InputError } from "../errors.js";
import type { ObjectStore, RecordingIndex } from "../ports.js";
import { documentContentHash, type RecordingDocument } from "../recording/document.js";
import { SITE_CSS, SITE_JS } from "./assets.js";
import { refuseForeignFolder, refusePartialIndex } from "./build-guards.js";
import { loadExtras } from "./extras.js";
import { writeDocsPages, writeListings } from "./listings.js";
import {
  emptyManifest,
  MANIFEST,
  type Manifest,
  type ManifestEntry,
  OWNED_FOLDERS,
  readManifest,
  SITE_FORMAT,
  shortHash,
} from "./manifest.js";
import type { SiteOutput } from "./output.js";
import { recordingPage, recordingPagePath, type SiteContext } from "./pages.js";
import { isPublished, unshowableReason } from "./recording-view.js";
import {
  CUES_PER_BLOCK,
  cueBlockPath,
  cueBlocks,
  DOCS_PER_PAGE,
  INDEX_FORMAT,
  recordingTerms,
  type SearchMeta,
  segmentShardPath,
} from "./search-index.js";
import { SegmentWriter } from "./segment-writer.js";
import { mergeInto, mergeStart, removeSegment, type Segment, segmentId } from "./segments.js";

export interface SiteBuildOptions {
  config: Pick<Config, "site" | "timezone">;
  store: ObjectStore;
  index: RecordingIndex;
  output: SiteOutput;
  /** "../" for a site inside the store; else site.mediaBaseUrl. */
  mediaBase: string;
  full?: boolean;
  /** YYYY-MM-DD for dispositions; default today (UTC). */
  today?: string;
  /**
   * Recordings to rebuild whatever their document says: a transcript or chat replaced in the store
   * (a redaction) does not change the document, so nothing else tells the build.
   */
  recordings?: readonly string[];
}

export interface SiteBuildReport {
  published: number;
  /** Recordings whose pages were (re)written. */
  built: string[];
  /** Recordings taken off the site. */
  withdrawn: string[];
  /** Published recordings left off the site because their document cannot be shown, and why. */
  skipped: { recording_id: string; reason: string }[];
  written: number;
  deleted: number;
  full: boolean;
  /** The search index's segments after the build, and how many older ones it merged into its new one. */
  segments: number;
  merged: number;
}

function mediaOrigin(mediaBase: string): string | undefined {
  return /^https?:/.test(mediaBase) ? new URL(mediaBase).origin : undefined;
}

/** The output, counting what is written and deleted (and remembering what, for a full build's clean-up). */
function tracked(output: SiteOutput) {
  const counts = { written: 0, deleted: 0 };
  const files = new Set<string>();
  const wrapped: SiteOutput = {
    ...output,
    async write(file, body) {
      await output.write(file, body);
      files.add(file);
      counts.written++;
    },
    async delete(file) {
      await output.delete(file);
      counts.deleted++;
    },
  };
  return { output: wrapped, counts, files };
}

/**
 * Numbers: a full build numbers oldest first (results sort newest first by number); later additions
 * take the next free number, and a number is never reused while its old postings might remain.
 */
function numberRecordings(published: RecordingDocument[], prev: Manifest, full: boolean) {
  const numbers = new Map<string, number>();
  let next = full ? 0 : prev.next;
  for (const doc of [...published].reverse()) {
    const known = full ? undefined : prev.recordings[doc.recording_id];
    numbers.set(doc.recording_id, known ? known.n : next++);
  }
  return { numbers, next };
}

/**
 * @example
 * const report = await buildSite({ config, store, index, output: storeSiteOutput(store), mediaBase: "../" });
 */
export async function buildSite(options: SiteBuildOptions): Promise<SiteBuildReport> {
  const { config, store, index } = options;
  const { output, counts, files } = tracked(options.output);
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const origin = mediaOrigin(options.mediaBase);
  const ctx: SiteContext = {
    title: config.site.title,
    timezone: config.timezone,
    mediaBase: options.mediaBase,
    ...(origin ? { mediaOrigin: origin } : {}),
  };
  const settings = shortHash(
    JSON.stringify([SITE_FORMAT, ctx.title, ctx.timezone, ctx.mediaBase, SITE_CSS, SITE_JS]),
  );
  const previous = await readManifest(output);
  // The store's own `site/` is zrec's: only a folder of the user's (--out) may hold files of theirs.
  if (!previous && output.owned !== true) await refuseForeignFolder(output);
  await output.clearTemp?.();
  const prev = previous ?? emptyManifest();
  const full = options.full === true || !previous || prev.settings !== settings || prev.building === true;

  // Newest first, as the index lists them. One document the site cannot show is left off (and said
  // so), not allowed to stop every later build: under `zrec serve` the site would freeze.
  const skipped: SiteBuildReport["skipped"] = [];
  const published = (await index.list()).filter((doc) => {
    if (!isPublished(doc, config.site, today)) return false;
    const reason = unshowableReason(doc);
    if (reason !== undefined) skipped.push({ recording_id: doc.recording_id, reason });
    return reason === undefined;
  });
  const publishedIds = new Set(published.map((d) => d.recording_id));
  const hashOf = new Map(published.map((d) => [d.recording_id, documentContentHash(d)]));
  const forced = new Set(options.recordings ?? []);
  const unknown = [...forced].filter((id) => !publishedIds.has(id));
  if (unknown.length > 0) {
    throw new InputError(`Not on the site: ${unknown.join(", ")} (not in the index, or not published).`, {
      suggestion:
        "Name recordings by the id `zrec list` shows; `zrec get ID` tells whether one is published.",
    });
  }
  const changed = full
    ? published
    : published.filter(
        (d) =>
          forced.has(d.recording_id) || prev.recordings[d.recording_id]?.h !== hashOf.get(d.recording_id),
      );
  const withdrawn = Object.keys(prev.recordings).filter((id) => !publishedIds.has(id));
  await refusePartialIndex(withdrawn, index, store);
  const report = {
    published: published.length,
    built: changed.map((d) => d.recording_id),
    withdrawn,
    skipped,
    full,
  };
  if (!full && changed.length === 0 && withdrawn.length === 0) {
    return { ...report, written: 0, deleted: 0, segments: prev.segments.length, merged: 0 };
  }
  const { numbers, next } = numberRecordings(published, prev, full);

  // What follows rewrites files in place; if this build stops half-way, the next starts from nothing
  // (a first build too: its `building` manifest tells the next that the files here are a site's).
  await output.write(MANIFEST, JSON.stringify({ ...prev, building: true }));

  const recordings: Record<string, ManifestEntry> = {};
  if (!full) {
    for (const doc of published) {
      const old = prev.recordings[doc.recording_id];
      if (old) recordings[doc.recording_id] = { ...old };
    }
  }
  // The old postings of reindexed and withdrawn recordings stay in their segments, dropped by number.
  const segments: Segment[] = full ? [] : prev.segments.map((s) => ({ ...s, drop: [...s.drop] }));
  for (const id of full ? [] : [...report.built, ...withdrawn]) {
    const old = prev.recordings[id];
    const segment = segments.find((s) => s.id === old?.seg);
    if (old && segment && !segment.drop.includes(old.n)) segment.drop.push(old.n);
  }

  const writer = new SegmentWriter();
  const fresh = new Set<string>();
  let merged: Segment[] = [];
  try {
    // Recording pages, cue blocks and postings of what changed.
    const limit = pLimit(16);
    await Promise.all(
      changed.map((doc) =>
        limit(async () => {
          const id = doc.recording_id;
          const n = numbers.get(id) as number;
          const extras = await loadExtras(store, doc);
          await output.write(recordingPagePath(id), recordingPage(doc, extras, ctx));
          const blocks = cueBlocks(extras.cues);
          const hadBlocks = full ? 0 : (prev.recordings[id]?.blocks ?? 0);
          for (const [b, block] of blocks.entries()) {
            const file = cueBlockPath(id, b);
            const body = JSON.stringify(block);
            // A reindex seldom changes what was said: a block already there as it is stays untouched.
            if (b < hadBlocks && Buffer.from((await output.read(file)) ?? []).toString("utf8") === body)
              continue;
            await output.write(file, body);
          }
          for (let b = blocks.length; b < hadBlocks; b++) await output.delete(cueBlockPath(id, b));
          const found = recordingTerms(doc.meeting_topic, extras.cues);
          if (found.size > 0) fresh.add(id);
          writer.addRecording(n, found);
          await writer.spillIfFull();
          recordings[id] = { h: hashOf.get(id) as string, n, org: doc.organization, blocks: blocks.length };
        }),
      ),
    );
    for (const id of withdrawn) {
      const entry = prev.recordings[id] as ManifestEntry;
      await output.delete(recordingPagePath(id));
      for (let b = 0; b < entry.blocks; b++) await output.delete(cueBlockPath(id, b));
    }

    // The new segment: the changed recordings' postings, with the segments it merges.
    merged = segments.splice(mergeStart(segments, writer.estimatedBytes));
    for (const segment of merged) await mergeInto(output, writer, segment);
    if (writer.postings > 0) {
      const mergedIds = new Set(merged.map((s) => s.id));
      const members = Object.entries(recordings).filter(
        ([id, entry]) => fresh.has(id) || (entry.seg !== undefined && mergedIds.has(entry.seg)),
      );
      let id = segmentId(members.map(([, entry]) => [entry.n, entry.h]));
      // A recording reindexed back to an earlier state, or rebuilt on request (its transcript replaced,
      // its document not), can repeat the name of a segment kept or merged away: the merged one's files
      // are deleted after this build, which must not take the new segment's with them.
      if ([...segments, ...merged].some((s) => s.id === id)) id = `${id}-${Date.now().toString(36)}`;
      const written = await writer.finish((shard, body) => output.write(segmentShardPath(id, shard), body));
      segments.push({ id, ...written, count: members.length, drop: [] });
      for (const [, entry] of members) entry.seg = id;
    }
  } finally {
    await writer.dispose();
  }

  await writeDocsPages(output, {
    published,
    numbers,
    prev,
    changed,
    withdrawn,
    full,
    timezone: ctx.timezone,
  });
  const pages = await writeListings(output, { published, prev, changed, withdrawn, full, ctx });
  if (full) {
    await output.write("assets/site.css", SITE_CSS);
    await output.write("assets/site.js", SITE_JS);
  }
  const meta: SearchMeta = {
    format: INDEX_FORMAT,
    docsPerPage: DOCS_PER_PAGE,
    cuesPerBlock: CUES_PER_BLOCK,
    segments: segments.map(({ id, shards, drop }) => ({ id, shards, drop })),
  };
  const before = prev.segments.map(({ id, shards, drop }) => ({ id, shards, drop }));
  if (full || JSON.stringify(meta.segments) !== JSON.stringify(before)) {
    await output.write("search/meta.json", JSON.stringify(meta));
  }

  // The manifest last: a build that stops before it leaves `building` set, and the next starts over.
  const manifest: Manifest = { format: SITE_FORMAT, settings, next, segments, pages, recordings };
  // Until what nothing points at any more is deleted, the manifest says a build is under way: one
  // stopped in that clean-up (a kill, a failed delete) leaves the next build full, which removes what is
  // left (a merged segment may hold a withdrawn recording's words).
  const cleanUp = full || merged.length > 0;
  await output.write(MANIFEST, JSON.stringify(cleanUp ? { ...manifest, building: true } : manifest));

  // Only now that nothing points at them: the segments merged away, and after a full build anything
  // in the site's own folders it did not write (pages of an older site, an older index's files).
  if (full) await removeLeftovers(output, files);
  else for (const segment of merged) await removeSegment(output, segment);
  if (cleanUp) await output.write(MANIFEST, JSON.stringify(manifest));
  return { ...report, ...counts, segments: segments.length, merged: merged.length };
}

async function removeLeftovers(output: SiteOutput, written: ReadonlySet<string>): Promise<void> {
  const stale: string[] = [];
  for (const folder of OWNED_FOLDERS) {
    for await (const file of output.list(folder)) if (!written.has(file)) stale.push(file);
  }
  const limit = pLimit(16);
  await Promise.all(stale.map((file) => limit(() => output.delete(file))));
}
