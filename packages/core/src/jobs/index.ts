/**
 * The durable job queue `zrec serve` and `zrec jobs` share, the ingest job and the worker pool that
 * runs them. SQLite is loaded only when a queue is opened (`openJobQueue`, in the factory).
 */
export type * from "./types.js";
export { jobIdFor } from "./types.js";
export { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from "./worker-pool.js";
