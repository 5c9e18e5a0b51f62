/**
 * @zrec/core/archive — the part of core that reads and maintains an archive without talking to Zoom:
 * configuration, the backends, recording documents and ids, the job queue, rebuild-db, purge-old and
 * reindex.
 * The CLI's interactive commands (`list`, `get`, `jobs list`, …) import this rather than `@zrec/core`,
 * so they start without the HTTP client, the Zoom client or the transfer engine: loading those took
 * most of their start-up (issue #18). Its modules are core's own, shared with `@zrec/core`: an error
 * thrown through one entry is the same class in the other.
 */

export {
  closeBackends,
  createBackends,
  jobQueuePath,
  type LocalBackendPath,
  localBackendPaths,
  openJobQueue,
  withAwsProfile,
} from "./adapters/factory.js";
export * from "./config/index.js";
export * from "./errors.js";
export type * from "./jobs/types.js";
export { JOB_STATES } from "./jobs/types.js";
export type * from "./ports.js";
export * from "./recording/document.js";
export * from "./tasks/archive-tasks.js";
export { isRecordingId, recordingIdFromUuid } from "./zoom/ids.js";
