/**
 * One `zrec ingest` of a recording at a time on this machine. Two at once would both copy every file and
 * both announce it (the outbox drops the second line, but Zoom would get two trash calls). The second
 * waits for the first and then finds everything stored. `zrec serve` needs no lock (its queue runs one
 * job per recording), nor Step Functions (one execution name per recording).
 *
 * The lock is core's lock file (adapters/fs-lock.ts): host, pid and a nonce, put in place whole with
 * link(2), so a reader never sees it half-written; one left by a killed process is taken over
 * atomically (two processes taking it over at once never both get it), and a release removes it only
 * while it is still ours.
 */
import { rmdir } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type LockHolder, tryLock } from "@zrec/core/adapters/fs-lock";

export interface IngestLock {
  release(): Promise<void>;
}

/**
 * Takes the lock for `recordingId` in `folder`, waiting while another live process holds it.
 * `onWait` is called once, when it has to wait. `signal` stops the wait (Ctrl+C).
 * @example
 * const lock = await lockRecording(dir, id, { onWait: (pid) => warn(`waiting for pid ${pid}`) });
 * try { await runIngest(event, deps); } finally { await lock.release(); }
 */
export async function lockRecording(
  folder: string,
  recordingId: string,
  options: { onWait?: (holder: LockHolder) => void; signal?: AbortSignal; pollMs?: number } = {},
): Promise<IngestLock> {
  const file = path.join(folder, `${recordingId}.lock`);
  let waited = false;
  for (;;) {
    options.signal?.throwIfAborted();
    // The folder is made when missing, and removed when the last lock goes (nothing is left behind).
    const { lock, holder } = await tryLock(file);
    if (lock) {
      return {
        release: async () => {
          await lock.release();
          await rmdir(folder).catch(() => {});
        },
      };
    }
    if (!waited) options.onWait?.(holder);
    waited = true;
    await sleep(options.pollMs ?? 250);
  }
}
