/**
 * @zrec/core/webhook — the receive stage (DESIGN.md, step 1) and nothing more: the configuration and
 * error classes, request verification, the `endpoint.url_validation` answer, recording-event parsing,
 * the ingest filters, recording ids, and the object store (where a starter keeps an event's download
 * token). The Lambda webhook and start-ingest handlers import this rather than `@zrec/core`, so their
 * bundles hold neither the HTTP client (undici) nor the Zoom client nor the transfer engine: with them
 * the webhook bundle was 1.9 MiB (issue #14). Its modules are core's own, shared with `@zrec/core`: an
 * error thrown through one entry is the same class in the other.
 */

export { type BackendName, configuredBackends, createStore } from "./adapters/factory.js";
export * from "./config/index.js";
export * from "./errors.js";
export { jsonLogger, type LogEntry, type Logger, type LogLevel } from "./log.js";
export { skipReason } from "./pipeline/filters.js";
export type * from "./ports.js";
export { type RetryVerdict, retryVerdict } from "./retry-verdict.js";
export { isObject } from "./validation/is-object.js";
export { firstProblem, plainSentence } from "./validation/issues.js";
export { isRecordingId, recordingIdFromUuid } from "./zoom/ids.js";
export type * from "./zoom/types.js";
export {
  handleWebhook,
  parseRecordingEvent,
  signWebhook,
  verifyWebhook,
  type WebhookOutcome,
} from "./zoom/webhook.js";
