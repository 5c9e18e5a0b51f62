import { seedRecording } from "@zrec/test-utils/fixtures/site";
import { openTestArchive, type TestArchive } from "@zrec/test-utils/fixtures/tasks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultConfig } from "../config/defaults.js";
import type { RecordingDocument } from "../recording/document.js";
import { buildSite } from "./build.js";
import { readSiteJson, type SiteOutput, storeSiteOutput } from "./output.js";
import { searchSite } from "./search.js";
import type { SearchMeta } from "./search-index.js";
import { shardCountFor } from "./segment-writer.js";
import { MAX_SEGMENTS, MERGE_RATIO, mergeStart, type Segment } from "./segments.js";
import { siteScriptFunction } from "./site-script.test-support.js";

const segment = (bytes: number, count = 10, drop: number[] = []): Segment => ({
  id: `s${bytes}`,
  shards: 1,
  bytes,
  count,
  drop,
});

/** site.js's search, run in this process, fetching from `output` as a browser fetches from the site. */
function browserSearchOver(output: SiteOutput) {
  const fetch = async (path: string) => {
    const bytes = await output.read(path);
    return {
      ok: bytes !== undefined,
      status: bytes === undefined ? 404 : 200,
      json: async () => JSON.parse(Buffer.from(bytes ?? []).toString("utf8")),
    };
  };
  const names = ["terms", "termHash", "shardOf", "load", "postingsOf", "search"];
  const body = `const cache = new Map(); const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
${names.map(siteScriptFunction).join("\n")}
return search;`;
  return new Function("fetch", "root", body)(fetch, "") as (
    query: string,
  ) => Promise<{ id: string; snippet: [number, string] | null }[]>;
}

describe("mergeStart", () => {
  it("adds a segment while it is much smaller than the last, else merges down the chain", () => {
    const chain = [segment(90_000), segment(9_000), segment(900)];
    expect(mergeStart(chain, 100)).toBe(3);
    // 300 × 3 reaches the last one (900): merge it; 1,200 × 3 does not reach 9,000: stop.
    expect(mergeStart(chain, 300)).toBe(2);
    expect(mergeStart(chain, 30_000)).toBe(0);
    expect(mergeStart([], 100)).toBe(0);
    expect(MERGE_RATIO).toBe(3);
  });

  it("never lets the chain grow past MAX_SEGMENTS", () => {
    const chain = Array.from({ length: MAX_SEGMENTS }, (_, i) => segment(10 ** (12 - i)));
    expect(mergeStart(chain, 1)).toBe(MAX_SEGMENTS - 1);
  });

  it("over 10,000 one-recording builds on a 10,000-recording base, mostly writes a few shards", () => {
    // What docs/decisions.md quotes: 20.5 KB of postings a recording (the benchmark's transcripts).
    const perRecording = 20_500;
    let chain = [segment(10_000 * perRecording)];
    const shardsWritten: number[] = [];
    let longest = 0;
    for (let build = 0; build < 10_000; build++) {
      const start = mergeStart(chain, perRecording);
      const bytes = chain.slice(start).reduce((sum, s) => sum + s.bytes, perRecording);
      shardsWritten.push(shardCountFor(bytes));
      chain = [...chain.slice(0, start), segment(bytes)];
      longest = Math.max(longest, chain.length);
    }
    const sorted = [...shardsWritten].sort((a, b) => a - b);
    expect(sorted[5_000]).toBeLessThanOrEqual(4);
    expect(sorted[9_500]).toBeLessThanOrEqual(32);
    expect(shardsWritten.filter((n) => n > 1_000).length).toBeLessThan(50);
    expect(longest).toBeLessThanOrEqual(MAX_SEGMENTS);
  });

  it("rewrites a segment holding any dropped recording, and every newer one", () => {
    const chain = [segment(90_000, 8), segment(9_000, 8, [3]), segment(900)];
    expect(mergeStart(chain, 0)).toBe(1);
    expect(mergeStart([segment(90_000, 100, [7]), ...chain.slice(1)], 0)).toBe(0);
    expect(mergeStart([segment(90_000, 8), segment(9_000, 8), segment(900)], 0)).toBe(3);
  });
});

describe("an index built over many small builds", () => {
  let archive: TestArchive;
  beforeEach(async () => {
    archive = await openTestArchive();
  });
  afterEach(async () => {
    await archive.close();
  });

  const build = (full = false) => {
    const { store, index } = archive.backends;
    return buildSite({
      config: defaultConfig,
      store,
      index,
      output: storeSiteOutput(store),
      mediaBase: "../",
      full,
    });
  };

  it("answers like a full build after adds, reindexes and purges, and keeps no segment nobody reads", async () => {
    const seeded: RecordingDocument[] = [];
    const seed = async (i: number) => {
      // A shared word in every recording, and one of its own; enough other words that merges happen.
      const filler = Array.from({ length: 60 }, (_, w) => `filler${(i * 31 + w * 7) % 500}`).join(" ");
      const doc = await seedRecording(archive.backends, {
        topic: `Weekly ${i}`,
        organization: i % 2 === 0 ? "OLF" : "FOLIO",
        start: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().replace(".000Z", "Z"),
        said: [
          [3, `Ada: common ground and own${i}word`],
          [9, `Bob: ${filler}`],
        ],
      });
      seeded.push(doc);
      return doc;
    };
    for (let i = 0; i < 12; i++) await seed(i);
    await build();

    const gone = new Set<string>();
    const renamed = new Map<string, string>();
    const reports = [];
    for (let step = 0; step < 24; step++) {
      const doc = await seed(12 + step);
      const older = seeded[step] as RecordingDocument;
      if (step % 3 === 1 && !gone.has(older.recording_id)) {
        // Reindex an older recording: a new topic word, the old one gone.
        const target = older;
        await archive.backends.index.put({ ...target, meeting_topic: `Renamed${step} meeting` });
        renamed.set(target.recording_id, `renamed${step}`);
      }
      if (step % 4 === 2) {
        const target = seeded[step + 1] as RecordingDocument;
        // As purge-old does: the document out of the store, then the row.
        await archive.backends.store.delete(`${target.recording_id}/recording_document.json`);
        await archive.backends.index.delete(target.recording_id);
        gone.add(target.recording_id);
      }
      reports.push(await build());
      // The browser's search (site.js, run here on the same files) agrees with zrec search's, above
      // all on what this build dropped.
      const browserSearch = browserSearchOver(storeSiteOutput(archive.backends.store));
      for (const query of [`weekly own${step}word`, `own${step + 1}word`, `renamed${step}`, "common"]) {
        const expected = await searchSite(storeSiteOutput(archive.backends.store), query);
        const fromBrowser = (await browserSearch(query)).map((h) => [h.id, h.snippet?.[0] ?? null]);
        expect(fromBrowser).toEqual(expected.map((h) => [h.recording_id, h.at ?? null]));
      }
      expect(
        (await searchSite(storeSiteOutput(archive.backends.store), `own${12 + step}word`))[0]?.recording_id,
      ).toBe(doc.recording_id);
    }
    const output = storeSiteOutput(archive.backends.store);
    const answers = async () => {
      const result: Record<string, string[]> = {};
      for (const i of seeded.keys()) {
        result[`own${i}word`] = (await searchSite(output, `own${i}word`)).map((h) => h.recording_id);
      }
      for (const word of ["common", "weekly", ...renamed.values()]) {
        result[word] = (await searchSite(output, word, 100)).map((h) => h.recording_id).sort();
      }
      return result;
    };
    const incremental = await answers();
    for (const [i, doc] of seeded.entries()) {
      expect(incremental[`own${i}word`]).toEqual(gone.has(doc.recording_id) ? [] : [doc.recording_id]);
    }
    const live = seeded.filter((d) => !gone.has(d.recording_id)).map((d) => d.recording_id);
    expect(incremental.common).toEqual([...live].sort());
    expect(incremental.weekly).toEqual(live.filter((id) => !renamed.has(id)).sort());

    // Merges happened, the chain stayed short, and each build wrote little.
    expect(reports.some((r) => r.merged > 0)).toBe(true);
    expect(Math.max(...reports.map((r) => r.segments))).toBeLessThanOrEqual(MAX_SEGMENTS);
    for (const r of reports) expect(r.written).toBeLessThan(20);
    const meta = (await readSiteJson<SearchMeta>(output, "search/meta.json")) as SearchMeta;
    const segmentFolders = new Set<string>();
    for await (const file of output.list("search/seg/")) segmentFolders.add(file.split("/")[2] as string);
    expect([...segmentFolders].sort()).toEqual(meta.segments.map((s) => s.id).sort());

    await build(true);
    expect(await answers()).toEqual(incremental);
  });
});
