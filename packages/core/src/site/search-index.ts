/**
 * The search index a browser reads without a server, split so one query loads little:
 *   search/meta.json          shard count, which shards exist, block sizes
 *   search/terms/{xyz}.json   term -> [[n, cue, cue, …], …]  (n: the recording's number; cue -1: the topic)
 *   search/docs/{page}.json   n -> [recording_id, topic, date, organisation], 64 recordings a page
 *   search/cues/{id}/{b}.json [[seconds, "Speaker: words"], …], 100 cues a block, for snippets
 * A query loads meta, one term shard per word, and then only the doc pages and cue blocks of the
 * results it shows. docs/decisions.md says why this rather than a library.
 */
import { shardOf, terms } from "./text.js";
import type { Cue } from "./transcript.js";

export const SHARD_COUNT = 512;
export const DOCS_PER_PAGE = 64;
export const CUES_PER_BLOCK = 100;
/** A snippet needs one cue; a few let the browser find one where every word of a query meets. */
const CUES_PER_TERM = 4;

export type TermShard = Record<string, number[][]>;
export type DocsPage = Record<string, [string, string, string, string]>;
export type CueBlock = [number, string][];

export interface SearchMeta {
  shards: number;
  docsPerPage: number;
  cuesPerBlock: number;
  present: number[];
}

export function shardPath(shard: number): string {
  return `search/terms/${shard.toString(16).padStart(3, "0")}.json`;
}

export function docsPagePath(n: number): string {
  return `search/docs/${Math.floor(n / DOCS_PER_PAGE)}.json`;
}

export function cueBlockPath(id: string, block: number): string {
  return `search/cues/${id}/${block}.json`;
}

function cueText(cue: Cue): string {
  return cue.speaker ? `${cue.speaker}: ${cue.text}` : cue.text;
}

/** Term -> the first few cue numbers it occurs in (-1 for the topic). Speakers' names are searchable too. */
export function recordingTerms(topic: string, cues: readonly Cue[]): Map<string, number[]> {
  const found = new Map<string, number[]>();
  const add = (text: string, cue: number) => {
    for (const term of terms(text)) {
      const list = found.get(term) ?? [];
      if (list.length < CUES_PER_TERM && list.at(-1) !== cue) list.push(cue);
      found.set(term, list);
    }
  };
  add(topic, -1);
  for (const [i, cue] of cues.entries()) add(cueText(cue), i);
  return found;
}

/** The shards a recording's terms fall in, each with its part of the postings. */
export function byShard(found: Map<string, number[]>): Map<number, Map<string, number[]>> {
  const shards = new Map<number, Map<string, number[]>>();
  for (const [term, cues] of found) {
    const shard = shardOf(term, SHARD_COUNT);
    const map = shards.get(shard) ?? new Map<string, number[]>();
    shards.set(shard, map);
    map.set(term, cues);
  }
  return shards;
}

/**
 * A shard's new postings while a build collects them: term -> one flat list of small integers
 * (`n, count, cue…, n, count, cue…`). A full build of a large archive holds every posting at once,
 * and nested arrays and maps cost ten times the memory of these packed lists.
 */
export type ShardAdditions = Map<string, number[]>;

export function addPostings(into: ShardAdditions, n: number, found: Map<string, number[]>): void {
  for (const [term, cues] of found) {
    let list = into.get(term);
    if (!list) {
      list = [];
      into.set(term, list);
    }
    list.push(n, cues.length, ...cues);
  }
}

/**
 * A shard with every posting of the `drop` recordings removed and `add`'s postings put in. Postings
 * stay sorted by recording number, so the same archive gives the same bytes however it was built.
 */
export function updateShard(
  shard: TermShard,
  drop: ReadonlySet<number>,
  add: ShardAdditions | undefined,
): TermShard {
  const next = new Map<string, number[][]>();
  for (const [term, postings] of Object.entries(shard)) {
    if (!Array.isArray(postings)) continue;
    const kept = postings.filter((p) => Array.isArray(p) && !drop.has(p[0] as number));
    if (kept.length > 0) next.set(term, kept);
  }
  for (const [term, flat] of add ?? []) {
    const postings = next.get(term) ?? [];
    for (let i = 0; i < flat.length; ) {
      const count = flat[i + 1] as number;
      postings.push(flat.slice(i, i + 1).concat(flat.slice(i + 2, i + 2 + count)));
      i += 2 + count;
    }
    next.set(term, postings);
  }
  const sorted: TermShard = {};
  for (const term of [...next.keys()].sort()) {
    sorted[term] = (next.get(term) ?? []).sort((a, b) => (a[0] as number) - (b[0] as number));
  }
  return sorted;
}

export function cueBlocks(cues: readonly Cue[]): CueBlock[] {
  const blocks: CueBlock[] = [];
  for (let i = 0; i < cues.length; i += CUES_PER_BLOCK) {
    blocks.push(cues.slice(i, i + CUES_PER_BLOCK).map((cue) => [Math.floor(cue.start), cueText(cue)]));
  }
  return blocks;
}
