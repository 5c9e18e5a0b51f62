import { afterAll, beforeAll } from "vitest";

/**
 * Starts something the tests of a file (or of the enclosing describe) share, a server or a set of
 * backends, in `beforeAll`, and closes it in `afterAll`. Returns it, for tests and hooks to call.
 * @example
 * const s3 = forTheseTests("s3rver", () => startS3rver({ buckets: ["recordings"] }));
 * it("puts", async () => { const client = s3().client(); });
 */
export function forTheseTests<T extends { close(): Promise<void> }>(
  what: string,
  start: () => Promise<T>,
): () => T {
  let running: T | undefined;
  beforeAll(async () => {
    running = await start();
  });
  afterAll(async () => {
    await running?.close();
  });
  return () => {
    if (running === undefined) throw new Error(`${what} runs only inside the tests and hooks that share it`);
    return running;
  };
}
