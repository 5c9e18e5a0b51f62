/** Polling for what a test cannot await: a child process's output, a file another process writes. */
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Resolves once `check()` is true, polling every `pollMs`; throws "timed out" after `ms`.
 * @example
 * await until(() => existsSync(documentPath), 10_000);
 */
export async function until(check: () => boolean, ms = 15_000, pollMs = 25): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(pollMs);
  }
}
