/**
 * purge-old: deletes the recordings that are due: those whose `disposition` says "delete after DATE"
 * with DATE reached, and, only when `purge.olderThanDays` is set, old recordings without a disposition.
 * Without `execute` it only reports what it would delete.
 */
import pLimit from "p-limit";
import type { Config } from "../config/types.js";
import { InputError, messageOf } from "../errors.js";
import { documentKey } from "../pipeline/store-json.js";
import type { Backends, ObjectStore } from "../ports.js";
import type { RecordingDocument } from "../recording/document.js";
import { notificationId } from "../recording/notification-id.js";
import { fileKeyOf, utcDate } from "./shared.js";

/** Objects of one recording deleted at once (the document itself always goes last, alone). */
const DELETE_CONCURRENCY = 8;
/** Sizes asked of the store at once, for files whose document does not give one. */
const SIZE_CONCURRENCY = 16;
const DAY_MS = 86_400_000;

export interface PurgeOptions {
  /** The day the purge runs as (its UTC date counts): usually now. */
  asOf: Date;
  /** Delete for real. False: report what would be deleted and change nothing. */
  execute: boolean;
}

export interface PurgeCandidate {
  recording_id: string;
  recording_path: string;
  meeting_topic: string;
  start_time: string;
  /** Sum of the recording's file sizes, from the document or, where it has none, from the store. */
  bytes: number;
  /** `disposition`: its `after` date is reached; `retention`: older than `purge.olderThanDays`. */
  reason: "disposition" | "retention";
  /** The reason in words, e.g. `disposition: delete after 2025-01-31`. */
  detail: string;
  /** True once its objects, index row and notification are done (execute only). */
  deleted: boolean;
  /** Objects removed from the store (execute only). */
  objects?: number;
  /** Why deleting it failed; it is left for the next run, which finds it again. */
  error?: string;
}

export interface PurgeReport {
  /** The UTC date the purge ran as, YYYY-MM-DD. */
  asOf: string;
  executed: boolean;
  /** `purge.olderThanDays` as configured (null: only dispositions count). */
  olderThanDays: number | null;
  /** Recordings in the index that were looked at. */
  scanned: number;
  candidates: PurgeCandidate[];
  /** Sum of the candidates' bytes. */
  bytes: number;
  deleted: number;
  failed: number;
}

/**
 * Finds the recordings that are due for deletion in the index and, with `execute`, deletes each: every
 * object under `{id}/` (the document last, so an interrupted purge is found again by a re-run and by
 * rebuild-db), then sends a `deleted` notification with the document, then removes the index row.
 * The notification precedes the row's removal for the reason finish-ingest notifies before indexing: a
 * crash in between makes the re-run notify again rather than never. A recording that fails is reported
 * and the others still go; nothing that is not due is ever touched.
 *
 * @throws InputError when `asOf` is not a valid date.
 * @example
 * const preview = await purgeOld({ backends, config }, { asOf: new Date(), execute: false });
 * console.log(`${preview.candidates.length} recordings, ${preview.bytes} bytes`);
 * const done = await purgeOld({ backends, config }, { asOf: new Date(), execute: true });
 * if (done.failed > 0) process.exitCode = 1;
 */
export async function purgeOld(
  deps: { backends: Backends; config: Config },
  options: PurgeOptions,
): Promise<PurgeReport> {
  if (Number.isNaN(options.asOf.getTime())) throw new InputError("purge-old needs a valid date to run as.");
  const asOf = utcDate(options.asOf);
  const olderThanDays = deps.config.purge.olderThanDays;
  const { store, index, notifier } = deps.backends;

  const documents = await index.list();
  const due = documents.flatMap((document) => {
    const reason = dueReason(document, asOf, olderThanDays);
    return reason ? [{ document, reason }] : [];
  });
  // Sizes the documents lack are asked of the store for every candidate at once, a few at a time:
  // one after the other, 10,000 legacy documents (no size for their timeline) were 10,000 round trips.
  const sizeLimit = pLimit(SIZE_CONCURRENCY);
  const sizes = await Promise.all(due.map(({ document }) => sizeLimit(() => bytesOf(document, store))));
  const candidates: PurgeCandidate[] = [];
  for (const [i, { document, reason }] of due.entries()) {
    const candidate: PurgeCandidate = {
      recording_id: document.recording_id,
      recording_path: document.recording_path,
      meeting_topic: document.meeting_topic,
      start_time: document.start_time,
      bytes: sizes[i] ?? 0,
      ...reason,
      deleted: false,
    };
    candidates.push(candidate);
    if (!options.execute) continue;
    try {
      candidate.objects = await deleteObjects(store, document.recording_id);
      await notifier.send({ event: "deleted", document, id: notificationId("deleted", document) });
      await index.delete(document.recording_id);
      candidate.deleted = true;
    } catch (error) {
      candidate.error = messageOf(error);
    }
  }

  return {
    asOf,
    executed: options.execute,
    olderThanDays,
    scanned: documents.length,
    candidates,
    bytes: candidates.reduce((sum, candidate) => sum + candidate.bytes, 0),
    deleted: candidates.filter((candidate) => candidate.deleted).length,
    failed: candidates.filter((candidate) => candidate.error !== undefined).length,
  };
}

/**
 * Why `document` is due on `asOf` (YYYY-MM-DD, UTC), or undefined when it is not. A disposition of any
 * action shields a recording from age-based deletion: someone decided its fate explicitly.
 */
function dueReason(
  document: RecordingDocument,
  asOf: string,
  olderThanDays: number | null,
): Pick<PurgeCandidate, "reason" | "detail"> | undefined {
  const disposition = document.disposition;
  if (disposition !== undefined) {
    // Both are YYYY-MM-DD (validated), so text order is date order.
    if (disposition.action === "delete" && disposition.after <= asOf) {
      return { reason: "disposition", detail: `disposition: delete after ${disposition.after}` };
    }
    return undefined;
  }
  if (olderThanDays === null) return undefined;
  const started = Date.parse(document.start_time);
  // A recording of unknown age is kept: deleting is the one thing that cannot be undone.
  if (Number.isNaN(started)) return undefined;
  const startDay = utcDate(new Date(started));
  const cutoff = utcDate(new Date(Date.parse(`${asOf}T00:00:00Z`) - olderThanDays * DAY_MS));
  if (startDay >= cutoff) return undefined;
  return {
    reason: "retention",
    detail: `retention: started ${startDay}, more than ${olderThanDays} days before ${asOf} (purge.olderThanDays)`,
  };
}

/** Sizes from the document (zrec's `size`, else Zoom's `zoom_file_size`), else from the store. */
async function bytesOf(document: RecordingDocument, store: ObjectStore): Promise<number> {
  let total = 0;
  for (const file of document.files) {
    const known = typeof file.size === "number" ? file.size : file.zoom_file_size;
    if (typeof known === "number") {
      total += known;
      continue;
    }
    const key = fileKeyOf(file, document.recording_id);
    total += key === undefined ? 0 : ((await store.head(key))?.size ?? 0);
  }
  return total;
}

/** Deletes every object under `{id}/`, the document last; returns how many there were. */
async function deleteObjects(store: ObjectStore, recordingId: string): Promise<number> {
  const docKey = documentKey(recordingId);
  const keys: string[] = [];
  // Collected first: deleting while a listing pages through the same folder is not safe on every store.
  for await (const key of store.list(`${recordingId}/`)) keys.push(key);
  const others = keys.filter((key) => key !== docKey);
  const limit = pLimit(DELETE_CONCURRENCY);
  const settled = await Promise.allSettled(others.map((key) => limit(() => store.delete(key))));
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failed) throw failed.reason;
  // Deleted even when the listing missed it: a missing key is not an error, and it must not survive.
  await store.delete(docKey);
  return others.length + (keys.includes(docKey) ? 1 : 0);
}
