import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import type { TermShard } from "./search-index.js";
import { SegmentWriter, SHARD_BYTES } from "./segment-writer.js";
import { shardOf } from "./text.js";

/** Postings of `recordings` recordings, each with words from a small vocabulary, in a fixed order. */
function postings(recordings: number): [string, number, number[]][] {
  const all: [string, number, number[]][] = [];
  for (let n = 0; n < recordings; n++) {
    for (let w = 0; w < 150; w++) {
      const word = `w${(n * 7 + w * 13) % 400}`;
      all.push([word, n, w % 3 === 0 ? [-1, w] : [w]]);
    }
    all.push([`only${n}`, n, [n % 5]]);
  }
  return all;
}

async function written(writer: SegmentWriter) {
  const files = new Map<number, string>();
  const result = await writer.finish(async (shard, body) => {
    files.set(shard, body);
  });
  return { ...result, files };
}

const spillFolders = async () => (await readdir(tmpdir())).filter((f) => f.startsWith("zrec-site-")).sort();

describe("SegmentWriter", () => {
  it("writes every shard, each word where shardOf puts it, postings in number order", async () => {
    const writer = new SegmentWriter();
    // Recordings arrive out of order, as concurrent reads finish.
    for (const [term, n, cues] of postings(40).reverse()) writer.add(term, n, cues);
    const { shards, bytes, files } = await written(writer);

    expect(shards).toBeGreaterThan(1);
    expect([...files.keys()].sort((a, b) => a - b)).toEqual([...Array(shards).keys()]);
    expect(bytes).toBe([...files.values()].reduce((sum, body) => sum + Buffer.byteLength(body), 0));
    for (const body of files.values()) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(SHARD_BYTES * 1.5);
    const merged: TermShard = {};
    for (const [shard, body] of files) {
      const parsed = JSON.parse(body) as TermShard;
      expect(Object.keys(parsed)).toEqual(Object.keys(parsed).sort());
      for (const [term, list] of Object.entries(parsed)) {
        expect(shardOf(term, shards)).toBe(shard);
        expect(list.map((p) => p[0])).toEqual(list.map((p) => p[0]).sort((a, b) => (a ?? 0) - (b ?? 0)));
        merged[term] = list;
      }
    }
    expect(merged.only7).toEqual([[7, 2]]);
    expect(merged.w0?.[0]).toEqual([0, -1, 0]);
  });

  it("spills to temporary files past its memory bound and writes the same shards", async () => {
    const before = await spillFolders();
    const inMemory = new SegmentWriter();
    const spilling = new SegmentWriter({ spillWords: 40_000 });
    for (const [term, n, cues] of postings(300)) {
      inMemory.add(term, n, cues);
      spilling.add(term, n, cues);
      await spilling.spillIfFull();
    }
    const created = (await spillFolders()).filter((f) => !before.includes(f));
    expect(created).toHaveLength(1);
    const a = await written(inMemory);
    const b = await written(spilling);
    // A spilled segment has at least one shard per spill group, so compare the words, not the files.
    const words = (files: Map<number, string>) =>
      Object.fromEntries(
        [...files.values()].flatMap((body) => Object.entries(JSON.parse(body) as TermShard)).sort(),
      );
    expect(b.shards).toBeGreaterThanOrEqual(64);
    expect(words(b.files)).toEqual(words(a.files));
    expect(await spillFolders()).not.toContain(created[0]);
  });

  it("keeps the first posting when a recording comes twice, and writes {} for an empty segment", async () => {
    const writer = new SegmentWriter();
    writer.add("same", 3, [1]);
    writer.add("same", 3, [9]);
    const { files } = await written(writer);
    expect(JSON.parse(files.get(0) ?? "")).toEqual({ same: [[3, 1]] });
    expect(await written(new SegmentWriter())).toMatchObject({ shards: 1, files: new Map([[0, "{}"]]) });
  });
});
