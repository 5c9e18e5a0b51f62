/**
 * How words are matched, the same in the index builder, `zrec search` and the browser (site.js repeats
 * these rules; a test holds them together): lower case, accents kept, every run of letters, marks and
 * numbers is a term. Marks belong to the word: Devanagari's vowel signs and Thai's tone marks are
 * marks, and lower-casing "İ" gives "i" and a combining dot, which is dropped so that "İstanbul"
 * and "istanbul" are one word.
 */

/** Terms shorter than this are not indexed: "a", "I" match everything and cost the most. */
const MIN_TERM_LENGTH = 2;
/** Longer terms are cut: nobody searches for a 60-letter word, and it bounds shard size. */
const MAX_TERM_LENGTH = 40;

/**
 * @example
 * terms("Café, über-Straße 42!"); // ["café", "über", "straße", "42"]
 */
export function terms(text: string): string[] {
  const found: string[] = [];
  for (const match of text
    .normalize("NFC")
    .toLowerCase()
    .replace(/i\u0307/g, "i")
    .matchAll(/[\p{L}\p{M}\p{N}]+/gu)) {
    const term = match[0].slice(0, MAX_TERM_LENGTH);
    if (term.length >= MIN_TERM_LENGTH) found.push(term);
  }
  return found;
}

/** FNV-1a of a term's UTF-16 code units: which shard of a segment holds the term is this modulo its shard count. */
export function termHash(term: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    hash ^= term.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The shard a term's postings live in, in a segment of `shardCount` shards. */
export function shardOf(term: string, shardCount: number): number {
  return termHash(term) % shardCount;
}
