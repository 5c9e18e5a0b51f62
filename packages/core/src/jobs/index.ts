/**
 * `zrec serve`'s parts: the durable job queue, the worker pool, the webhook receiver and the server
 * that ties them together. SQLite is loaded only when a queue is opened.
 */
import type { JobQueue } from "./types.js";

export { jsonLogger, type LogEntry, type Logger, type LogLevel } from "./log.js";
export { createWebhookReceiver, type ReceiverOptions } from "./receiver.js";
export { type RunningServer, type ServeOptions, startServing } from "./serve.js";
export type * from "./types.js";
export { JOB_STATES, jobIdFor, jobQueuePath } from "./types.js";
export {
  createWorkerPool,
  type FailureKind,
  failureKind,
  type WorkerPool,
  type WorkerPoolOptions,
} from "./worker-pool.js";

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
