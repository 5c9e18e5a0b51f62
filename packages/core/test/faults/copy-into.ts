/**
 * One ranged copy of a deterministic file into a store, as the storage and disk fault suites make
 * them: 5 MiB parts, 3 in flight, quick retries, from a local Range server. Resolves with the server
 * (to count its requests) and the outcome, never rejects; the server and source close through
 * `cleanups`, after the test.
 */
import type { ObjectStore } from "../../src/ports.js";
import { rangedCopy } from "../../src/transfer/ranged-copy.js";
import { httpSource, startRangeServer } from "../../src/transfer/ranged-copy.test-support.js";

export const PART = 5 * 1024 * 1024;
export const KEY = "0a7203ad-04ac-45d8-bd6d-6a778f226c65/shared_screen_with_speaker_view.mp4";

export async function copyInto(
  store: ObjectStore,
  size: number,
  cleanups: (() => Promise<unknown>)[],
  options: { ignoreRange?: boolean } = {},
) {
  const server = await startRangeServer({ size, partSize: PART, ...options });
  const source = httpSource(server.url);
  cleanups.push(
    () => server.close(),
    () => source.close(),
  );
  const outcome = await rangedCopy({
    source,
    store,
    key: KEY,
    contentType: "video/mp4",
    partSize: PART,
    partConcurrency: 3,
    expectedSize: size,
    retry: { baseDelayMs: 1, maxDelayMs: 10 },
  }).then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { server, outcome };
}
