/**
 * Stage 3: check that every file is stored whole, write the recording document and the index row,
 * tell the website builder, and only then move the Zoom recording to trash.
 *
 * Order matters for crash safety: the index row is written after the notification, so a crash between
 * the two makes a re-run notify again instead of never; that second send carries the same notification
 * id, which the outbox and a FIFO queue drop. Trash comes last of all, and only when Zoom holds no file
 * of the recording that the archive lacks.
 */
import { IngestFailed, IngestRace, ZoomApiError } from "../errors.js";
import {
  documentContentHash,
  type RecordingDocument,
  type RecordingFileEntry,
  validateDocument,
} from "../recording/document.js";
import { filesNotArchived, recordingTypeOf, zoomFileIdentity } from "../recording/files.js";
import { notificationId } from "../recording/notification-id.js";
import { fileKeyOf } from "../tasks/shared.js";
import type { ZoomClient } from "../zoom/api.js";
import type { ZoomRecordingFile } from "../zoom/types.js";
import type { PipelineDeps } from "./deps.js";
import { documentKey, getJson, putJson } from "./store-json.js";
import type { FinishIngestInput, FinishIngestOutput, StoredFile } from "./types.js";

export async function finishIngest(
  input: FinishIngestInput,
  deps: PipelineDeps,
): Promise<FinishIngestOutput> {
  const { metadata, files } = input;
  const { store, index, notifier } = deps.backends;
  const recordingId = metadata.recording_id;
  await assertAllStored(input, deps);

  // Another ingest of this recording may write between our read and our write (a transcript's
  // execution beside the video's): the write is conditional, and a lost race merges again into theirs.
  let document: RecordingDocument | undefined;
  let changed = false;
  let listing: ZoomListing | undefined;
  let zoom: ZoomClient | undefined;
  for (let attempt = 1; document === undefined; attempt++) {
    if (attempt > MERGE_ATTEMPTS) throw new IngestRace(recordingId, MERGE_ATTEMPTS);
    const previous = await index.get(recordingId);
    const base =
      previous ?? ((await getJson(store, documentKey(recordingId))) as RecordingDocument | undefined);
    const candidate: RecordingDocument = {
      ...metadata.draft,
      files: mergeFiles(base?.files ?? [], files, recordingId),
      ingested_at: now(deps),
      // A trash another run recorded stays recorded (and is not asked of Zoom again).
      ...(base?.zoom_trashed_at === undefined ? {} : { zoom_trashed_at: base.zoom_trashed_at }),
    };
    // Zoom's own list is read before anything is written: bytes that are not the files Zoom lists under
    // this recording's ids fail the ingest here, so they are neither announced nor trashed for.
    const guarded = deps.config.ingest.trashAfterIngest && typeof candidate.zoom_trashed_at !== "string";
    zoom = guarded ? deps.zoom(metadata.zoom_account) : undefined;
    listing = zoom && listing === undefined ? await zoomListing(zoom, candidate) : listing;
    if (listing?.files) assertSameAsZoom(input, listing.files);

    changed = !previous || documentContentHash(previous) !== documentContentHash(candidate);
    // Unchanged content keeps its first ingested_at, so a re-run writes byte-identical objects.
    const merged = validateDocument(
      changed || !previous ? candidate : { ...candidate, ingested_at: previous.ingested_at },
      documentKey(recordingId),
    );
    if (!changed) {
      document = merged;
      break;
    }
    await putJson(store, documentKey(recordingId), merged);
    await notifier.send({ event: "ingested", document: merged, id: notificationId("ingested", merged) });
    if (await index.replaceIf(merged, previous)) document = merged;
  }

  let trashed: FinishIngestOutput["trashed"] = "not-configured";
  if (deps.config.ingest.trashAfterIngest) {
    if (listing === undefined || zoom === undefined) {
      trashed = "already-gone";
    } else if (listing.files === undefined) {
      trashed = "unknown";
      deps.onEvent?.({
        type: "warning",
        message: `Not trashed in Zoom: ${listing.unknown}, so zrec cannot tell whether the archive holds all of it; the next ingest or sweep decides.`,
      });
    } else {
      const missing = namesOf(filesNotArchived(listing.files, document.files));
      if (missing.length > 0) {
        trashed = "incomplete";
        deps.onEvent?.({
          type: "warning",
          message: `Not trashed in Zoom: it still holds ${missing.length} file(s) of this recording that the archive does not (${missing.join(", ")}); ingest it again once Zoom has finished them.`,
        });
      } else {
        trashed = await zoom.trashRecordings(document.meeting_uuid).catch((error: unknown) => {
          throw trashFailed(error, recordingId);
        });
        // Recorded so that a re-run does not ask Zoom again; no notification: the content did not change.
        await markTrashed(recordingId, now(deps), deps);
      }
    }
  }
  return {
    recording_id: recordingId,
    recording_path: document.recording_path,
    document_key: documentKey(recordingId),
    files: document.files.length,
    notified: changed,
    trashed,
  };
}

type ZoomListing =
  | { files: ZoomRecordingFile[]; unknown?: undefined }
  | { files?: undefined; unknown: string };

/**
 * Zoom's file list for the recording, or why it is unknown. The event alone cannot tell what Zoom
 * holds: a file may still be processing or lack a download_url, and a `recording.transcript_completed`
 * event carries only the transcript (found by trash-guard.test.ts). An answer that does not list the
 * files (no `recording_files`, an empty list while the archive holds files, a 404) is "unknown", and
 * unknown never trashes: taken as "nothing missing", a faulty proxy or a changed API would have put
 * unarchived recordings in Zoom's trash, deleted for good after 30 days.
 */
async function zoomListing(zoom: ZoomClient, document: RecordingDocument): Promise<ZoomListing> {
  let listed: unknown;
  try {
    listed = (await zoom.getMeetingRecordings(document.meeting_uuid)).recording_files;
  } catch (error) {
    if (error instanceof ZoomApiError && error.status === 404) {
      return { unknown: "Zoom answered 404 for its file list" };
    }
    throw error;
  }
  if (!Array.isArray(listed)) return { unknown: "Zoom's answer did not list its files" };
  if (listed.length === 0 && document.files.length > 0) {
    return { unknown: "Zoom listed no files while the archive holds some" };
  }
  return { files: listed as ZoomRecordingFile[] };
}

const namesOf = (files: ZoomRecordingFile[]) =>
  files.map(
    (file) =>
      `${recordingTypeOf(file)}${file.status && file.status !== "completed" ? ` (${file.status})` : ""}`,
  );

/**
 * The bytes came from the event's download_url and were checked against the event's file_size; an event
 * signed with the app's secret can still name this recording's file ids and point them at other bytes
 * (another meeting's file, or its own M4A under the MP4's id). Each file stored by this run must be one
 * Zoom lists under that identity, with Zoom's file_size.
 */
function assertSameAsZoom({ metadata, files }: FinishIngestInput, listed: ZoomRecordingFile[]): void {
  const byIdentity = new Map(listed.map((file) => [zoomFileIdentity(file), file]));
  const stored = new Map(files.map((file) => [file.key, file]));
  const failures: { key: string; message: string }[] = [];
  for (const task of metadata.files) {
    const size = stored.get(task.key)?.size;
    const zoomFile = byIdentity.get(zoomFileIdentity(task.zoom_file));
    if (zoomFile === undefined) {
      failures.push({ key: task.key, message: "Zoom's API does not list this file for the recording" });
    } else if (typeof zoomFile.file_size === "number" && size !== zoomFile.file_size) {
      failures.push({
        key: task.key,
        message: `stored ${size} bytes but Zoom's API lists file_size ${zoomFile.file_size} for this file`,
      });
    }
  }
  if (failures.length > 0) throw new IngestFailed(metadata.recording_id, failures);
}

/**
 * The invariant behind trashing: every planned file is in the store, complete, with Zoom's size.
 * Checked against the store itself, not only against what the previous stage said.
 */
async function assertAllStored({ metadata, files }: FinishIngestInput, deps: PipelineDeps): Promise<void> {
  const byKey = new Map(files.map((file) => [file.key, file]));
  const failures: { key: string; message: string }[] = [];
  for (const task of metadata.files) {
    const stored = byKey.get(task.key);
    const head = stored ? await deps.backends.store.head(task.key) : undefined;
    if (!stored || !head) failures.push({ key: task.key, message: "the file was not stored" });
    else if (head.size !== stored.size)
      failures.push({ key: task.key, message: `stored ${head.size} bytes, expected ${stored.size}` });
    else if (task.expected_size !== undefined && head.size !== task.expected_size) {
      failures.push({
        key: task.key,
        message: `stored ${head.size} bytes but Zoom's file_size is ${task.expected_size}`,
      });
    }
  }
  if (failures.length > 0) throw new IngestFailed(metadata.recording_id, failures);
}

/** Files already in the document stay (a transcript adds to them); a re-stored key replaces its entry. */
function mergeFiles(
  existing: RecordingFileEntry[],
  stored: StoredFile[],
  recordingId: string,
): RecordingFileEntry[] {
  const merged = new Map<string, RecordingFileEntry>();
  for (const entry of existing) merged.set(entry.key ?? legacyKey(entry, recordingId), entry);
  for (const entry of stored) merged.set(entry.key, entry);
  return [...merged.values()];
}

const now = (deps: PipelineDeps) => (deps.now?.() ?? new Date()).toISOString();

/**
 * Documents of the older system have no `key`: its s3_url ends in `{recording_id}/{file name}`. One
 * that names no readable key (a malformed `%` escape) is kept under its s3_url: it cannot be replaced
 * by a file of this run, and a re-ingest must not throw over it.
 */
function legacyKey(entry: RecordingFileEntry, recordingId: string): string {
  return fileKeyOf(entry, recordingId) ?? `s3_url:${entry.s3_url}`;
}

/** The DELETE's own error, said as what it means: the archive is whole, only the trash is left to do. */
function trashFailed(error: unknown, recordingId: string): unknown {
  if (!(error instanceof ZoomApiError)) return error;
  return new ZoomApiError(
    `Recording ${recordingId} is archived (every file, the document and the index), but moving it to Zoom's trash failed: ${error.message}`,
    {
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.zoomCode === undefined ? {} : { zoomCode: error.zoomCode }),
      code: error.code,
      cause: error,
      suggestion:
        "Run the same ingest again, or zrec sweep-missed over its day: they trash it without copying anything.",
    },
  );
}

/** Tries at a conditional write before the ingest fails (transient): each lost try means another wrote. */
const MERGE_ATTEMPTS = 5;

/** `zoom_trashed_at` on the newest document, whoever wrote it last. */
async function markTrashed(recordingId: string, at: string, deps: PipelineDeps): Promise<void> {
  const { store, index } = deps.backends;
  for (let attempt = 1; attempt <= MERGE_ATTEMPTS; attempt++) {
    const latest = await index.get(recordingId);
    if (latest === undefined) return;
    const marked = { ...latest, zoom_trashed_at: at };
    await putJson(store, documentKey(recordingId), marked);
    if (await index.replaceIf(marked, latest)) return;
  }
  throw new IngestRace(recordingId, MERGE_ATTEMPTS);
}
