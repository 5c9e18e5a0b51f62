/**
 * @zrec/core — everything zrec does, behind three ports. The CLI and the Lambda adapter are thin
 * layers over these exports.
 */

export type { BackendName, ConfiguredBackend } from "./adapters/factory.js";
export { configuredBackends, createStore } from "./adapters/factory.js";
/** Everything `@zrec/core/archive` offers is part of the full entry too, as the same modules. */
export * from "./archive.js";
export * from "./jobs/index.js";
export { jsonLogger, type LogEntry, type Logger, type LogLevel } from "./log.js";
export type { PipelineDeps } from "./pipeline/deps.js";
export { openPipeline, zoomClientsFor } from "./pipeline/deps.js";
export type { IngestEvent } from "./pipeline/events.js";
export { skipReason } from "./pipeline/filters.js";
export { type FoundAtZoom, findAtZoom } from "./pipeline/find-at-zoom.js";
export { finishIngest } from "./pipeline/finish-ingest.js";
export type { ZoomIngestOutcome, ZoomIngestReport } from "./pipeline/ingest-from-zoom.js";
export { ingestFromZoom } from "./pipeline/ingest-from-zoom.js";
export { ingestMetadata } from "./pipeline/ingest-metadata.js";
export { retrieveRecording, retrieveRecordingWithin } from "./pipeline/retrieve-recording.js";
export type { IngestResult } from "./pipeline/run-ingest.js";
export { runIngest } from "./pipeline/run-ingest.js";
export type * from "./pipeline/types.js";
export { fileTypeInfo, isDownloadable, planFileNames, recordingTypeOf } from "./recording/files.js";
export { notificationId } from "./recording/notification-id.js";
export { organizationFor, recordingPath, topicSlug } from "./recording/path.js";
export * from "./retry.js";
export * from "./retry-verdict.js";
export * from "./serve/index.js";
export * from "./site/index.js";
export * from "./tasks/index.js";
export type { CopyProgress, CopyResult, RangedCopyOptions } from "./transfer/ranged-copy.js";
export { rangedCopy } from "./transfer/ranged-copy.js";
export type * from "./transfer/source.js";
export { SourceHttpError } from "./transfer/source.js";
export { isObject } from "./validation/is-object.js";
export {
  type FirstProblem,
  firstProblem,
  type IssuePath,
  type Problem,
  plainSentence,
} from "./validation/issues.js";
export type { ZoomClient } from "./zoom/api.js";
export { createZoomClient } from "./zoom/api.js";
export type { TokenProvider } from "./zoom/download.js";
export { createDownloadSource, hostAllowed } from "./zoom/download.js";
export {
  canonicalMeetingUuid,
  encodeMeetingUuidForPath,
  isRecordingId,
  recordingIdFromUuid,
} from "./zoom/ids.js";
export type * from "./zoom/types.js";
export type { WebhookOutcome } from "./zoom/webhook.js";
export { handleWebhook, parseRecordingEvent, signWebhook, verifyWebhook } from "./zoom/webhook.js";

/** `--remote`: loads the Lambda client only when called. */
export async function invokeRemote(
  ...args: Parameters<typeof import("./adapters/remote-lambda.js").invokeRemote>
) {
  const { invokeRemote: invoke } = await import("./adapters/remote-lambda.js");
  return invoke(...args);
}
export type { RemoteJob } from "./adapters/remote-lambda.js";
