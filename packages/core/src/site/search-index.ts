/**
 * The search index a browser reads without a server, split so one query loads little and one build
 * writes little:
 *   search/meta.json                 the segments (oldest first) with their shard counts and drop lists
 *   search/seg/{id}/{shard}.json     term -> [[n, cue, cue, …], …]  (n: the recording's number; cue -1: the topic)
 *   search/docs/{page}.json          n -> [recording_id, topic, date, organisation], 64 recordings a page
 *   search/cues/{id}/{b}.json        [[seconds, "Speaker: words"], …], 100 cues a block, for snippets
 * A segment holds the postings of some recordings, split into shards by a hash of the word; a build
 * adds one small segment for the recordings it changed and now and then merges segments (segments.ts).
 * A recording's postings are live in one segment only: copies left in older segments are named in
 * their `drop` lists. A query loads meta, one shard of each segment per word, and then only the doc
 * pages and cue blocks of the results it shows. docs/decisions.md says why this design.
 */

import { terms } from "./text.js";
import type { Cue } from "./transcript.js";

/** The index's shape; meta.json says it, and the builder rebuilds a site of another. */
export const INDEX_FORMAT = 2;
export const DOCS_PER_PAGE = 64;
export const CUES_PER_BLOCK = 100;
/** A snippet needs one cue; a few let the browser find one where every word of a query meets. */
const CUES_PER_TERM = 4;

export type TermShard = Record<string, number[][]>;
export type DocsPage = Record<string, [string, string, string, string]>;
export type CueBlock = [number, string][];

export interface SegmentMeta {
  id: string;
  shards: number;
  /** Recording numbers whose postings in this segment are stale (reindexed since, or withdrawn). */
  drop: number[];
}

export interface SearchMeta {
  format: number;
  docsPerPage: number;
  cuesPerBlock: number;
  segments: SegmentMeta[];
}

export const SEGMENTS_FOLDER = "search/seg/";

export function segmentShardPath(id: string, shard: number): string {
  return `${SEGMENTS_FOLDER}${id}/${shard.toString(16).padStart(4, "0")}.json`;
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

export function cueBlocks(cues: readonly Cue[]): CueBlock[] {
  const blocks: CueBlock[] = [];
  for (let i = 0; i < cues.length; i += CUES_PER_BLOCK) {
    blocks.push(cues.slice(i, i + CUES_PER_BLOCK).map((cue) => [Math.floor(cue.start), cueText(cue)]));
  }
  return blocks;
}
