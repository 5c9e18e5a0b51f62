/**
 * The search index's segments, and when they are merged. A build writes the postings of the
 * recordings it changed as a new segment after the others; then, like an LSM tree, the newest
 * segments are merged into one while the new one is not much smaller than the one before it. Segment
 * sizes so fall by about MERGE_RATIO from the oldest (the base) to the newest: a query reads one shard
 * of each (a handful), and most builds write one small segment of a few shards. A merge rewrites more,
 * and rarely: the base only when everything added since has grown to a third of it.
 */
import { createHash } from "node:crypto";
import pLimit from "p-limit";
import type { SiteOutput } from "./output.js";
import { readSiteJson } from "./output.js";
import { INDEX_FORMAT, type SegmentMeta, segmentShardPath, type TermShard } from "./search-index.js";
import type { SegmentWriter } from "./segment-writer.js";

export interface Segment extends SegmentMeta {
  /** The JSON of its shards, dead postings included. */
  bytes: number;
  /** Recordings it held postings of when it was written. */
  count: number;
}

/** A segment is merged into the one before it once it is at least a third of that one's size. */
export const MERGE_RATIO = 3;
/** At most this many segments: a query reads one shard of each per word. */
export const MAX_SEGMENTS = 8;

/**
 * Where the merge starts: the segments from this index on are merged with the `added` bytes of new
 * postings into one segment; `segments.length` merges none. A segment holding any dropped recording
 * is rewritten without it (and with it every newer one): the words of a purged, unpublished or
 * redacted recording must not stay in files the site still serves, even unlinked.
 */
export function mergeStart(segments: readonly Segment[], added: number): number {
  const dead = segments.findIndex((s) => s.drop.length > 0);
  let start = segments.length;
  if (added === 0 && dead < 0) return start;
  let size = added;
  while (start > 0) {
    const before = segments[start - 1] as Segment;
    const tooMany = start + 1 > MAX_SEGMENTS;
    if (!tooMany && !(dead >= 0 && start > dead) && size * MERGE_RATIO < before.bytes) break;
    size += before.bytes;
    start--;
  }
  return start;
}

/** A segment's name, from what it holds: the same recordings in the same state give the same name. */
export function segmentId(members: readonly [number, string][]): string {
  const sorted = [...members].sort((a, b) => a[0] - b[0]);
  return createHash("sha256")
    .update(JSON.stringify([INDEX_FORMAT, sorted]))
    .digest("hex")
    .slice(0, 16);
}

/** Feeds the live postings of `segment` (those of recordings not in its drop list) into `writer`. */
export async function mergeInto(output: SiteOutput, writer: SegmentWriter, segment: Segment): Promise<void> {
  const drop = new Set(segment.drop);
  const limit = pLimit(16);
  await Promise.all(
    Array.from({ length: segment.shards }, (_, shard) =>
      limit(async () => {
        const postings = (await readSiteJson<TermShard>(output, segmentShardPath(segment.id, shard))) ?? {};
        for (const [term, list] of Object.entries(postings)) {
          if (!Array.isArray(list)) continue;
          for (const posting of list) {
            if (!Array.isArray(posting) || !posting.every((x) => Number.isInteger(x))) continue;
            const [n, ...cues] = posting as number[];
            if (n === undefined || n < 0 || drop.has(n) || cues.some((c) => c < -1)) continue;
            writer.add(term, n, cues);
          }
        }
        await writer.spillIfFull();
      }),
    ),
  );
}

export async function removeSegment(
  output: SiteOutput,
  segment: Pick<Segment, "id" | "shards">,
): Promise<void> {
  const limit = pLimit(16);
  await Promise.all(
    Array.from({ length: segment.shards }, (_, shard) =>
      limit(() => output.delete(segmentShardPath(segment.id, shard))),
    ),
  );
}
