/**
 * `zrec serve`'s parts: the durable job queue, the worker pool, the webhook receiver and the server
 * that ties them together. SQLite is loaded only when a queue is opened.
 */
export { jsonLogger, type LogEntry, type Logger, type LogLevel } from "../log.js";
export { openJobQueue } from "./open-queue.js";
export { createWebhookReceiver, type ReceiverOptions } from "./receiver.js";
export { type RunningServer, type ServeOptions, startServing } from "./serve.js";
export type * from "./types.js";
export { JOB_STATES, jobIdFor, jobQueuePath } from "./types.js";
export { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from "./worker-pool.js";
