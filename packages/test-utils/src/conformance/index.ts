/**
 * The ports' contracts (core/src/ports.ts, core/src/jobs/types.ts) as shared vitest suites: each
 * adapter's test file calls one with a factory for fresh instances, so every backend is held to the
 * same promises and the copies cannot drift apart.
 */
export { describeJobQueue, type JobQueueUnderTest, newJob } from "./job-queue.js";
export { type Delivered, describeNotifier, type NotifierUnderTest } from "./notifier.js";
export { describeObjectStore, type StoreUnderTest } from "./object-store.js";
export {
  describeRecordingIndex,
  documentWithEverything,
  type IndexUnderTest,
  indexedDocument,
} from "./recording-index.js";
export { inTempFolder } from "./temp-folder.js";
