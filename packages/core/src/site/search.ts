/**
 * `zrec search`: the site's question answered from the site's own index (the same files a browser
 * loads, in the same way), so the command line and the search box always agree.
 */
import { NotFoundError } from "../errors.js";
import { readSiteJson, type SiteOutput } from "./output.js";
import {
  type CueBlock,
  cueBlockPath,
  type DocsPage,
  docsPagePath,
  type SearchMeta,
  segmentShardPath,
  type TermShard,
} from "./search-index.js";
import { shardOf, terms } from "./text.js";

export interface SearchHit {
  recording_id: string;
  topic: string;
  /** Start, in the site's time zone. */
  date: string;
  organization: string;
  /** Seconds into the recording of the first place the words were said; absent for a topic match. */
  at?: number;
  snippet?: string;
  /** The recording's page, relative to the site's root (with `#t=` at the moment). */
  page: string;
}

/** Recording number -> the cues a word is in, from one shard of every segment (a stale copy is dropped). */
async function postingsOf(
  output: SiteOutput,
  meta: SearchMeta,
  word: string,
): Promise<Map<number, number[]>> {
  const found = new Map<number, number[]>();
  const shards = await Promise.all(
    meta.segments.map(async (segment) => ({
      drop: new Set(segment.drop),
      postings:
        (await readSiteJson<TermShard>(
          output,
          segmentShardPath(segment.id, shardOf(word, segment.shards)),
        )) ?? {},
    })),
  );
  for (const { drop, postings } of shards) {
    const list = Object.hasOwn(postings, word) ? (postings[word] ?? []) : [];
    for (const p of list) if (!drop.has(p[0] as number)) found.set(p[0] as number, p.slice(1));
  }
  return found;
}

/**
 * Recordings whose topic or transcript has every word of `query`, newest first.
 * @example
 * const hits = await searchSite(storeSiteOutput(store), "budget review");
 */
export async function searchSite(output: SiteOutput, query: string, limit = 20): Promise<SearchHit[]> {
  const words = [...new Set(terms(query))];
  if (words.length === 0) return [];
  const meta = await readSiteJson<SearchMeta>(output, "search/meta.json");
  if (!meta || !Array.isArray(meta.segments)) {
    throw new NotFoundError(`No site has been built in ${output.description} yet.`, {
      suggestion: 'Run "zrec site build" first.',
    });
  }
  let hits: Map<number, number[]> | undefined;
  for (const word of words) {
    const found = await postingsOf(output, meta, word);
    if (hits === undefined) {
      hits = found;
      continue;
    }
    for (const [n, cues] of hits) {
      const other = found.get(n);
      if (!other) hits.delete(n);
      else {
        const both = cues.filter((c) => other.includes(c));
        hits.set(n, both.length > 0 ? both : cues);
      }
    }
  }
  const shown = [...(hits ?? [])].sort((a, b) => b[0] - a[0]).slice(0, limit);
  const results: SearchHit[] = [];
  for (const [n, cues] of shown) {
    const entry = (await readSiteJson<DocsPage>(output, docsPagePath(n)))?.[String(n)];
    if (!entry) continue;
    const [id, topic, date, organization] = entry;
    const cue = cues.find((c) => c >= 0);
    let said: [number, string] | undefined;
    if (cue !== undefined) {
      const block = await readSiteJson<CueBlock>(
        output,
        cueBlockPath(id, Math.floor(cue / meta.cuesPerBlock)),
      );
      said = block?.[cue % meta.cuesPerBlock];
    }
    results.push({
      recording_id: id,
      topic,
      date,
      organization,
      ...(said ? { at: said[0], snippet: said[1] } : {}),
      page: `rec/${id}.html${said ? `#t=${said[0]}` : ""}`,
    });
  }
  return results;
}
