/**
 * One segment of the search index while it is written: postings go in as recordings are read (or as
 * older segments are merged in) and come out as shard files, terms in order and each term's postings
 * by recording number, so the same postings give the same bytes however they arrived.
 *
 * Memory is what made a 10,000-recording build fail: its postings are some 80 million small integers,
 * and held as JavaScript arrays they fill the heap. Here they are packed in a Uint32Array
 * (`term, n, count, cue+1…` per posting), and past SPILL_WORDS they go to temporary files, one per
 * group of shards, which are read back one at a time at the end.
 */
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { termHash } from "./text.js";

/** A shard holds about this much JSON at most (between half and all of it): what a query pays per segment. */
export const SHARD_BYTES = 16 * 1024;
/** Spill files, by the low bits of the term's hash; a segment that spilled has a multiple of this many shards. */
const GROUPS = 64;
/** Postings held in memory before they are spilled: 4 Mi words, 16 MiB. */
const SPILL_WORDS = 4 * 1024 * 1024;
const WRITE_CONCURRENCY = 16;
/** Room for the postings of a few recordings before the buffer first grows: 4 MiB. */
const INITIAL_WORDS = 1 << 20;

export interface WrittenSegment {
  shards: number;
  /** The JSON written, all shards together. */
  bytes: number;
}

/** The shards of a segment of `bytes`: a power of two, each shard between half and all of SHARD_BYTES. */
export function shardCountFor(bytes: number): number {
  let shards = 1;
  while (shards * SHARD_BYTES < bytes) shards *= 2;
  return shards;
}

/** Characters of a cue or recording number in JSON (-1 for the topic). */
function jsonLength(x: number): number {
  return x < 0 ? 2 : x < 10 ? 1 : x < 100 ? 2 : x < 1000 ? 3 : String(x).length;
}

export class SegmentWriter {
  readonly #ids = new Map<string, number>();
  readonly #terms: string[] = [];
  readonly #hashes: number[] = [];
  #words = new Uint32Array(INITIAL_WORDS);
  #length = 0;
  #spillDir: Promise<string> | undefined;
  #spilling: Promise<void> = Promise.resolve();
  /** The JSON the shards will hold, counted as postings arrive: it sets the shard count. */
  #bytes = 2;
  readonly #spillWords: number;
  postings = 0;

  /** `spillWords`: postings held before they are spilled (tests make it small). */
  constructor(options: { spillWords?: number } = {}) {
    this.#spillWords = options.spillWords ?? SPILL_WORDS;
  }

  get estimatedBytes(): number {
    return this.postings === 0 ? 0 : this.#bytes;
  }

  add(term: string, n: number, cues: readonly number[]): void {
    let id = this.#ids.get(term);
    if (id === undefined) {
      id = this.#terms.length;
      this.#ids.set(term, id);
      this.#terms.push(term);
      this.#hashes.push(termHash(term));
      this.#bytes += Buffer.byteLength(term) + 6; // "term":[…],
    }
    this.#reserve(3 + cues.length);
    const words = this.#words;
    let i = this.#length;
    words[i++] = id;
    words[i++] = n;
    words[i++] = cues.length;
    let bytes = jsonLength(n) + 3; // [n],
    for (const cue of cues) {
      words[i++] = cue + 1;
      bytes += jsonLength(cue) + 1;
    }
    this.#length = i;
    this.#bytes += bytes;
    this.postings++;
  }

  /** Every term of one recording. */
  addRecording(n: number, found: Map<string, number[]>): void {
    for (const [term, cues] of found) this.add(term, n, cues);
  }

  /** Call between recordings: past SPILL_WORDS, the postings held go to the spill files. */
  async spillIfFull(): Promise<void> {
    if (this.#length >= this.#spillWords) await this.#spill();
  }

  /**
   * Writes every shard through `write` (shard number, JSON), "{}" for a shard no term falls in, so a
   * reader never meets a missing file; then forgets the postings.
   */
  async finish(write: (shard: number, body: string) => Promise<void>): Promise<WrittenSegment> {
    try {
      const spilled = this.#spillDir !== undefined;
      let shards = shardCountFor(this.#bytes);
      if (spilled) {
        shards = Math.max(shards, GROUPS);
        await this.#spill();
      }
      const rank = this.#ranks();
      let bytes = 0;
      const bodies = this.#bodies(shards, rank);
      let failed = false;
      const worker = async () => {
        for (let next = await bodies.next(); !next.done && !failed; next = await bodies.next()) {
          const [shard, body] = next.value;
          bytes += Buffer.byteLength(body);
          try {
            await write(shard, body);
          } catch (error) {
            failed = true;
            throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
      return { shards, bytes };
    } finally {
      await this.dispose();
    }
  }

  /** Removes the spill files (finish does; a build that fails half-way calls it). */
  async dispose(): Promise<void> {
    this.#words = new Uint32Array(0);
    this.#length = 0;
    const dir = this.#spillDir;
    this.#spillDir = undefined;
    if (dir) {
      await this.#spilling.catch(() => {});
      await rm(await dir, { recursive: true, force: true });
    }
  }

  async *#bodies(shards: number, rank: Uint32Array): AsyncGenerator<[number, string]> {
    const all = Array.from({ length: shards }, (_, s) => s);
    const dir = this.#spillDir;
    if (dir === undefined) {
      yield* this.#shardBodies(this.#words.subarray(0, this.#length), shards, all, rank);
      return;
    }
    for (let group = 0; group < GROUPS; group++) {
      const words = await readWords(path.join(await dir, `${group}.bin`));
      yield* this.#shardBodies(
        words,
        shards,
        all.filter((s) => s % GROUPS === group),
        rank,
      );
    }
  }

  /**
   * The JSON of each shard in `only` (ascending), from the postings in `words`. Postings are bucketed
   * by term (a counting sort: a comparison sort of millions of postings was most of a build's CPU),
   * terms put in shard and code-unit order, and each term's postings sorted by number when they are not.
   */
  *#shardBodies(
    words: Uint32Array,
    shards: number,
    only: number[],
    rank: Uint32Array,
  ): Generator<[number, string]> {
    const termCount = this.#terms.length;
    const firstOf = new Uint32Array(termCount + 1);
    let records = 0;
    for (let i = 0; i < words.length; i += 3 + (words[i + 2] as number)) {
      const slot = (words[i] as number) + 1;
      firstOf[slot] = (firstOf[slot] as number) + 1;
      records++;
    }
    for (let t = 0; t < termCount; t++) firstOf[t + 1] = (firstOf[t + 1] as number) + (firstOf[t] as number);
    const placed = firstOf.slice(0, termCount);
    const byTerm = new Uint32Array(records);
    for (let i = 0; i < words.length; i += 3 + (words[i + 2] as number)) {
      const t = words[i] as number;
      byTerm[placed[t] as number] = i;
      placed[t] = (placed[t] as number) + 1;
    }
    const present: number[] = [];
    for (let t = 0; t < termCount; t++)
      if ((firstOf[t + 1] as number) > (firstOf[t] as number)) present.push(t);
    const shardOfTerm = (t: number) => (this.#hashes[t] as number) % shards;
    present.sort((a, b) => shardOfTerm(a) - shardOfTerm(b) || (rank[a] as number) - (rank[b] as number));

    let next = 0;
    for (const shard of only) {
      let body = "{";
      for (; next < present.length && shardOfTerm(present[next] as number) === shard; next++) {
        const t = present[next] as number;
        const postings = byTerm.subarray(firstOf[t], firstOf[t + 1]);
        const numberAt = (i: number) => words[i + 1] as number;
        if (!isSorted(postings, numberAt)) {
          // By number, then as added (the first of a recording's copies stands).
          postings.sort((a, b) => numberAt(a) - numberAt(b) || a - b);
        }
        body += `${body.length > 1 ? "," : ""}${JSON.stringify(this.#terms[t])}:[`;
        let last = -1;
        for (const i of postings) {
          const n = numberAt(i);
          if (n === last) continue;
          let posting = `${last < 0 ? "" : ","}[${n}`;
          last = n;
          const count = words[i + 2] as number;
          for (let c = 0; c < count; c++) posting += `,${(words[i + 3 + c] as number) - 1}`;
          body += `${posting}]`;
        }
        body += "]";
      }
      yield [shard, `${body}}`];
    }
  }

  /** Each term's place in code-unit order (the order JSON keys are written in). */
  #ranks(): Uint32Array {
    const terms = this.#terms;
    const order = terms
      .map((_, i) => i)
      .sort((a, b) => {
        const x = terms[a] as string;
        const y = terms[b] as string;
        return x < y ? -1 : x > y ? 1 : 0;
      });
    const rank = new Uint32Array(terms.length);
    for (const [place, term] of order.entries()) rank[term] = place;
    return rank;
  }

  #reserve(words: number): void {
    if (this.#length + words <= this.#words.length) return;
    const grown = new Uint32Array(Math.max(this.#words.length * 2, this.#length + words));
    grown.set(this.#words.subarray(0, this.#length));
    this.#words = grown;
  }

  #spill(): Promise<void> {
    const words = this.#words.subarray(0, this.#length);
    this.#words = new Uint32Array(INITIAL_WORDS);
    this.#length = 0;
    const parts = this.#byGroup(words);
    this.#spillDir ??= mkdtemp(path.join(tmpdir(), "zrec-site-"));
    const dir = this.#spillDir;
    // Spills run one after another: two appending to the same file at once could interleave.
    this.#spilling = this.#spilling.then(async () => {
      const folder = await dir;
      for (const [group, part] of parts.entries()) {
        if (part.length === 0) continue;
        await appendFile(
          path.join(folder, `${group}.bin`),
          new Uint8Array(part.buffer, part.byteOffset, part.byteLength),
        );
      }
    });
    return this.#spilling;
  }

  #byGroup(words: Uint32Array): Uint32Array[] {
    const groupOf = (i: number) => (this.#hashes[words[i] as number] as number) % GROUPS;
    const sizes = new Array<number>(GROUPS).fill(0);
    for (let i = 0; i < words.length; i += 3 + (words[i + 2] as number)) {
      const group = groupOf(i);
      sizes[group] = (sizes[group] as number) + 3 + (words[i + 2] as number);
    }
    const parts = sizes.map((size) => new Uint32Array(size));
    const filled = new Array<number>(GROUPS).fill(0);
    for (let i = 0; i < words.length; ) {
      const length = 3 + (words[i + 2] as number);
      const group = groupOf(i);
      (parts[group] as Uint32Array).set(words.subarray(i, i + length), filled[group]);
      filled[group] = (filled[group] as number) + length;
      i += length;
    }
    return parts;
  }
}

function isSorted(list: Uint32Array, key: (i: number) => number): boolean {
  for (let k = 1; k < list.length; k++)
    if (key(list[k] as number) <= key(list[k - 1] as number)) return false;
  return true;
}

async function readWords(file: string): Promise<Uint32Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    // A group no posting fell in was never written.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Uint32Array(0);
    throw error;
  }
  // A Uint32Array needs its offset aligned to 4; a copy starts a buffer of its own.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}
