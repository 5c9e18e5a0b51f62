/**
 * `zrec site build`: the static site from the index and the store. A manifest (`build.json`) remembers
 * each published recording's content hash, so a re-run rewrites only what changed: the pages of
 * recordings added, reindexed or withdrawn, the listings they appear in, and the index shards their
 * words fall in. A change of settings (title, time zone, media base, the site's own format) rebuilds all.
 */
import { createHash } from "node:crypto";
import pLimit from "p-limit";
import type { Config } from "../config/types.js";
import type { ObjectStore, RecordingIndex } from "../ports.js";
import { documentContentHash } from "../recording/document.js";
import { isObject } from "../validation/is-object.js";
import { SITE_CSS, SITE_JS } from "./assets.js";
import { loadExtras } from "./extras.js";
import type { SiteOutput } from "./output.js";
import {
  homePage,
  organizationPage,
  organizationPagePath,
  recordingPage,
  recordingPagePath,
  type SiteContext,
  searchPage,
} from "./pages.js";
import { isPublished, localTime } from "./recording-view.js";
import {
  addPostings,
  byShard,
  CUES_PER_BLOCK,
  type CueBlock,
  cueBlockPath,
  cueBlocks,
  DOCS_PER_PAGE,
  type DocsPage,
  docsPagePath,
  recordingTerms,
  type SearchMeta,
  SHARD_COUNT,
  type ShardAdditions,
  shardPath,
  type TermShard,
  updateShard,
} from "./search-index.js";

/** Bumped when pages or the index change shape: every site built before is then rebuilt whole. */
const SITE_FORMAT = 1;
const MANIFEST = "build.json";

interface ManifestEntry {
  /** documentContentHash of what was published. */
  h: string;
  n: number;
  org: string;
  topic: string;
  blocks: number;
}

interface Manifest {
  format: number;
  settings: string;
  next: number;
  present: number[];
  pages: Record<string, string>;
  recordings: Record<string, ManifestEntry>;
  /** Set while a build is writing: a build that finds it set starts over with a full build. */
  building?: boolean;
}

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
}

export interface SiteBuildReport {
  published: number;
  /** Recordings whose pages were (re)written. */
  built: string[];
  /** Recordings taken off the site. */
  withdrawn: string[];
  written: number;
  deleted: number;
  full: boolean;
}

function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

async function readJson<T>(output: SiteOutput, file: string): Promise<T | undefined> {
  const bytes = await output.read(file);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as T;
  } catch {
    // A damaged file is rebuilt, not trusted.
    return undefined;
  }
}

function mediaOrigin(mediaBase: string): string | undefined {
  return /^https?:/.test(mediaBase) ? new URL(mediaBase).origin : undefined;
}

/**
 * @example
 * const report = await buildSite({ config, store, index, output: storeSiteOutput(store), mediaBase: "../" });
 */
export async function buildSite(options: SiteBuildOptions): Promise<SiteBuildReport> {
  const { config, store, index, output } = options;
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const origin = mediaOrigin(options.mediaBase);
  const ctx: SiteContext = {
    title: config.site.title,
    timezone: config.timezone,
    mediaBase: options.mediaBase,
    ...(origin ? { mediaOrigin: origin } : {}),
  };
  const settings = sha(
    JSON.stringify([SITE_FORMAT, SHARD_COUNT, ctx.title, ctx.timezone, ctx.mediaBase, SITE_CSS, SITE_JS]),
  );
  let written = 0;
  let deleted = 0;
  const write = async (file: string, body: string) => {
    await output.write(file, body);
    written++;
  };
  const remove = async (file: string) => {
    await output.delete(file);
    deleted++;
  };

  const previous = await readJson<Manifest>(output, MANIFEST);
  const usable = previous?.format === SITE_FORMAT && isObject(previous.recordings);
  const prev: Manifest = usable
    ? previous
    : { format: SITE_FORMAT, settings: "", next: 0, present: [], pages: {}, recordings: {} };
  const full = options.full === true || !usable || prev.settings !== settings || prev.building === true;

  // Newest first, as the index lists them.
  const published = (await index.list()).filter((doc) => isPublished(doc, config.site, today));
  const publishedIds = new Set(published.map((d) => d.recording_id));
  const hashOf = new Map(published.map((d) => [d.recording_id, documentContentHash(d)]));
  const changed = full
    ? published
    : published.filter((d) => prev.recordings[d.recording_id]?.h !== hashOf.get(d.recording_id));
  const withdrawn = Object.keys(prev.recordings).filter((id) => !publishedIds.has(id));

  // Numbers: a full build numbers oldest first (results sort newest first by number); later additions
  // take the next free number, and a number is never reused while its old postings might remain.
  const numbers = new Map<string, number>();
  let next = full ? 0 : prev.next;
  if (full) for (const doc of [...published].reverse()) numbers.set(doc.recording_id, next++);
  else {
    for (const doc of [...published].reverse()) {
      const known = prev.recordings[doc.recording_id];
      numbers.set(doc.recording_id, known ? known.n : next++);
    }
  }

  if (changed.length > 0 || withdrawn.length > 0 || full) {
    // Numbers handed out below are not in any manifest until the end; if this build stops half-way,
    // shards may hold postings nobody can find again, so the next build must start from nothing.
    if (usable) await write(MANIFEST, JSON.stringify({ ...prev, building: true }));
  }

  // The old postings to drop: in a full build every shard starts empty, so only incremental builds
  // need to know which shards held the changed and withdrawn recordings' words.
  const dropNumbers = new Set<number>();
  const touchedShards = new Set<number>();
  const limit = pLimit(16);
  if (!full) {
    const stale = [...changed.map((d) => d.recording_id).filter((id) => prev.recordings[id]), ...withdrawn];
    await Promise.all(
      stale.map((id) =>
        limit(async () => {
          const entry = prev.recordings[id] as ManifestEntry;
          dropNumbers.add(entry.n);
          const cues = [];
          for (let b = 0; b < entry.blocks; b++) {
            const block = (await readJson<CueBlock>(output, cueBlockPath(id, b))) ?? [];
            for (const [start, text] of block) cues.push({ start, text });
          }
          for (const shard of byShard(recordingTerms(entry.topic, cues)).keys()) touchedShards.add(shard);
        }),
      ),
    );
  }

  // Recording pages and cue blocks of what changed.
  const additions = new Map<number, ShardAdditions>();
  const recordings: Record<string, ManifestEntry> = {};
  for (const doc of published) {
    const old = prev.recordings[doc.recording_id];
    if (old && !full) recordings[doc.recording_id] = old;
  }
  await Promise.all(
    changed.map((doc) =>
      limit(async () => {
        const id = doc.recording_id;
        const n = numbers.get(id) as number;
        const extras = await loadExtras(store, doc);
        await write(recordingPagePath(id), recordingPage(doc, extras, ctx));
        const blocks = cueBlocks(extras.cues);
        for (const [b, block] of blocks.entries()) await write(cueBlockPath(id, b), JSON.stringify(block));
        for (let b = blocks.length; b < (prev.recordings[id]?.blocks ?? 0); b++) {
          await remove(cueBlockPath(id, b));
        }
        for (const [shard, found] of byShard(recordingTerms(doc.meeting_topic, extras.cues))) {
          touchedShards.add(shard);
          const forShard = additions.get(shard) ?? new Map<string, number[]>();
          additions.set(shard, forShard);
          addPostings(forShard, n, found);
        }
        recordings[id] = {
          h: hashOf.get(id) as string,
          n,
          org: doc.organization,
          topic: doc.meeting_topic,
          blocks: blocks.length,
        };
      }),
    ),
  );
  for (const id of withdrawn) {
    const entry = prev.recordings[id] as ManifestEntry;
    await remove(recordingPagePath(id));
    for (let b = 0; b < entry.blocks; b++) await remove(cueBlockPath(id, b));
  }

  // Term shards.
  const present = new Set(full ? [] : prev.present);
  const shards = full ? new Set([...touchedShards, ...prev.present]) : touchedShards;
  await Promise.all(
    [...shards].map((shard) =>
      limit(async () => {
        const before = full ? {} : ((await readJson<TermShard>(output, shardPath(shard))) ?? {});
        const after = updateShard(before, dropNumbers, additions.get(shard));
        additions.delete(shard);
        if (Object.keys(after).length > 0) {
          await write(shardPath(shard), JSON.stringify(after));
          present.add(shard);
        } else if (prev.present.includes(shard)) {
          await remove(shardPath(shard));
          present.delete(shard);
        }
      }),
    ),
  );

  // Doc pages: number -> what a result shows.
  const pagesTouched = new Set<number>();
  for (const doc of changed)
    pagesTouched.add(Math.floor((numbers.get(doc.recording_id) as number) / DOCS_PER_PAGE));
  for (const id of withdrawn)
    pagesTouched.add(Math.floor((prev.recordings[id] as ManifestEntry).n / DOCS_PER_PAGE));
  if (full)
    for (const entry of Object.values(prev.recordings)) pagesTouched.add(Math.floor(entry.n / DOCS_PER_PAGE));
  const byNumber = new Map(published.map((d) => [numbers.get(d.recording_id) as number, d]));
  for (const pageNumber of pagesTouched) {
    const entries: DocsPage = {};
    for (let n = pageNumber * DOCS_PER_PAGE; n < (pageNumber + 1) * DOCS_PER_PAGE; n++) {
      const doc = byNumber.get(n);
      if (!doc) continue;
      const local = localTime(doc.start_time, ctx.timezone);
      entries[n] = [
        doc.recording_id,
        doc.meeting_topic,
        local ? `${local.text} ${local.zone}` : "",
        doc.organization,
      ];
    }
    const file = docsPagePath(pageNumber * DOCS_PER_PAGE);
    if (Object.keys(entries).length > 0) await write(file, JSON.stringify(entries));
    else await remove(file);
  }

  // Listings: home always when anything changed; an organisation's page when one of its recordings did.
  const pages: Record<string, string> = full ? {} : { ...prev.pages };
  const putPage = async (file: string, body: string) => {
    const h = sha(body);
    if (!full && prev.pages[file] === h) return;
    pages[file] = h;
    await write(file, body);
  };
  const orgs = new Set<string>();
  for (const doc of changed) orgs.add(doc.organization);
  for (const id of [...changed.map((d) => d.recording_id), ...withdrawn]) {
    const old = prev.recordings[id];
    if (old) orgs.add(old.org);
  }
  for (const org of orgs) {
    const docs = published.filter((d) => d.organization === org);
    const file = organizationPagePath(org);
    if (docs.length > 0) await putPage(file, organizationPage(org, docs, ctx));
    else if (prev.pages[file] !== undefined) {
      delete pages[file];
      await remove(file);
    }
  }
  if (full) {
    // Organisations whose recordings are all gone since the last build.
    for (const file of Object.keys(prev.pages)) {
      if (file.startsWith("org/") && pages[file] === undefined) await remove(file);
    }
  }
  if (full || changed.length > 0 || withdrawn.length > 0) {
    await putPage("index.html", homePage(published, ctx));
    await putPage("search.html", searchPage(ctx));
  }
  if (full) {
    await write("assets/site.css", SITE_CSS);
    await write("assets/site.js", SITE_JS);
  }
  const presentList = [...present].sort((a, b) => a - b);
  if (full || presentList.join() !== prev.present.join()) {
    const meta: SearchMeta = {
      shards: SHARD_COUNT,
      docsPerPage: DOCS_PER_PAGE,
      cuesPerBlock: CUES_PER_BLOCK,
      present: presentList,
    };
    await write("search/meta.json", JSON.stringify(meta));
  }

  // The manifest last: a build that stops half-way leaves the old one, and the next build redoes it all.
  if (full || changed.length > 0 || withdrawn.length > 0) {
    const manifest: Manifest = {
      format: SITE_FORMAT,
      settings,
      next,
      present: presentList,
      pages,
      recordings,
    };
    await write(MANIFEST, JSON.stringify(manifest));
  }
  return {
    published: published.length,
    built: changed.map((d) => d.recording_id),
    withdrawn,
    written,
    deleted,
    full,
  };
}
