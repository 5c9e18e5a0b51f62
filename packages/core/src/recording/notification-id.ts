/**
 * The id of an announcement: one event about one content of a recording. A notifier uses it to drop a
 * repeat (the outbox: the same id as the recording's last line; SQS FIFO: the deduplication id).
 */
import { createHash } from "node:crypto";
import type { NotificationEvent } from "../ports.js";
import { documentContentHash, type RecordingDocument } from "./document.js";

/**
 * SHA-256 (hex) of the event and the document's content hash, so `ingested_at` does not count.
 * @example
 * await notifier.send({ event: "ingested", document, id: notificationId("ingested", document) });
 */
export function notificationId(event: NotificationEvent, document: RecordingDocument): string {
  return createHash("sha256")
    .update(`${event}\n${documentContentHash(document)}`)
    .digest("hex");
}
