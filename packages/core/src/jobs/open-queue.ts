/** Opening the job queue, apart from the server's parts, so that `zrec jobs` loads SQLite and no more. */
import type { JobQueue } from "./types.js";

/**
 * Opens (creating when needed) the SQLite job queue at `path`.
 * @example
 * const queue = await openJobQueue(jobQueuePath(config, baseDir));
 * try { console.log(queue.list({ state: "failed" })); } finally { queue.close(); }
 */
export async function openJobQueue(path: string): Promise<JobQueue> {
  const { createSqliteJobQueue } = await import("../adapters/sqlite-job-queue.js");
  return createSqliteJobQueue({ path });
}
