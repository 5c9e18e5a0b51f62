/**
 * What every object store accepts as a key: a relative `/`-separated path of non-empty segments, like
 * `{recording_id}/audio_only.m4a`. The same rules hold for every backend, so a key that works on a folder
 * works on S3 and the other way round, and no key can climb out of a folder or a bucket prefix.
 */
import { BackendError, ErrorCode } from "../errors.js";

/**
 * Why `key` is not an acceptable object key, or undefined when it is.
 * @example
 * keyProblem("0a72/audio_only.m4a"); // undefined
 * keyProblem("../etc/passwd"); // 'it has a "." or ".." segment'
 */
export function keyProblem(key: string): string | undefined {
  if (key === "") return "it is empty";
  if (key.includes("\0")) return "it contains a NUL character";
  if (key.includes("\\")) return "it contains a backslash";
  // A drive letter is refused on every platform so that keys mean the same everywhere.
  if (key.startsWith("/") || /^[A-Za-z]:/.test(key)) return "it is an absolute path";
  const segments = key.split("/");
  if (segments.includes("")) return "it has an empty segment";
  if (segments.includes(".") || segments.includes("..")) return 'it has a "." or ".." segment';
  return undefined;
}

/**
 * The error a store throws for a key it refuses; `description` names the store (`s3://bucket/prefix/`).
 * @example
 * const problem = keyProblem(key);
 * if (problem !== undefined) throw refusedKey(description, key, problem);
 */
export function refusedKey(description: string, key: string, problem: string): BackendError {
  return new BackendError(
    ErrorCode.STORE_FAILED,
    `${description}: refusing key ${JSON.stringify(key)}: ${problem}.`,
    {
      suggestion: "Keys are relative paths made of non-empty segments, like `{recording_id}/audio_only.m4a`.",
    },
  );
}

/** A UTF-16 surrogate: half of a character outside the Basic Multilingual Plane (an emoji, …). */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * `items` sorted by `keyOf` in the byte order of its UTF-8, which is how S3 lists keys. UTF-8 byte
 * order is code point order, and so is JavaScript's string order (UTF-16 code units) unless a key holds
 * a surrogate pair, which sorts below U+E000–U+FFFF as code units and above them as code points: only
 * then are keys compared as bytes. Comparing strings sorted 10,000 folder names in 13-37 ms where
 * comparing a Buffer of each took 50-108 ms.
 * @example
 * sortByKeyBytes(["a/", "a-c/"], (name) => name); // ["a-c/", "a/"]
 */
export function sortByKeyBytes<T>(items: T[], keyOf: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, key: keyOf(item) }));
  if (keyed.some(({ key }) => SURROGATE.test(key))) {
    const bytes = keyed.map(({ item, key }) => ({ item, bytes: Buffer.from(key) }));
    return bytes.sort((a, b) => Buffer.compare(a.bytes, b.bytes)).map(({ item }) => item);
  }
  return keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ item }) => item);
}
