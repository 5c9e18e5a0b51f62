/**
 * Stage 3: check that every file is stored whole, write the recording document and the index row,
 * tell the website builder, and only then move the Zoom recording to trash.
 *
 * Order matters for crash safety: the index row is written after the notification, so a crash between
 * the two makes a re-run notify again instead of never; that second send carries the same notification
 * id, which the outbox and a FIFO queue drop. Trash comes last of all, and only when Zoom holds no file
 * of the recording that the archive lacks.
 */
import { IngestFailed, ZoomApiError } from "../errors.js";
import {
  documentContentHash,
  type RecordingDocument,
  type RecordingFileEntry,
  validateDocument,
} from "../recording/document.js";
import { filesNotArchived, recordingTypeOf } from "../recording/files.js";
import { notificationId } from "../recording/notification-id.js";
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

  const previous = await index.get(recordingId);
  const base =
    previous ?? ((await getJson(store, documentKey(recordingId))) as RecordingDocument | undefined);
  const candidate: RecordingDocument = {
    ...metadata.draft,
    files: mergeFiles(base?.files ?? [], files),
    ingested_at: now(deps),
  };
  const changed = !previous || documentContentHash(previous) !== documentContentHash(candidate);
  // Unchanged content keeps its first ingested_at, so a re-run writes byte-identical objects.
  const document = validateDocument(
    changed ? candidate : { ...candidate, ingested_at: previous.ingested_at },
    documentKey(recordingId),
  );

  if (changed) {
    await putJson(store, documentKey(recordingId), document);
    await notifier.send({ event: "ingested", document, id: notificationId("ingested", document) });
    await index.put(document);
  }

  let trashed: FinishIngestOutput["trashed"] = "not-configured";
  if (deps.config.ingest.trashAfterIngest) {
    if (typeof document.zoom_trashed_at === "string") {
      trashed = "already-gone";
    } else {
      const zoom = deps.zoom(metadata.zoom_account);
      const missing = await notArchivedAtZoom(zoom, document);
      if (missing.length > 0) {
        trashed = "incomplete";
        deps.onEvent?.({
          type: "warning",
          message: `Not trashed in Zoom: it still holds ${missing.length} file(s) of this recording that the archive does not (${missing.join(", ")}); ingest it again once Zoom has finished them.`,
        });
      } else {
        trashed = await zoom.trashRecordings(document.meeting_uuid);
        // Recorded so that a re-run does not ask Zoom again; no notification: the content did not change.
        const marked = { ...document, zoom_trashed_at: now(deps) };
        await putJson(store, documentKey(recordingId), marked);
        await index.put(marked);
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

/**
 * Zoom's files of this recording that the document does not hold (`audio_only (processing)`, …). The
 * event alone cannot tell: a file may still be processing or lack a download_url, and a
 * `recording.transcript_completed` event carries only the transcript, so it can be ingested while the
 * main files are not archived (their ingest failed). Trashing then would put unarchived recordings in
 * Zoom's trash, to be deleted for good after 30 days. Found by the hardening suites (trash-guard.test.ts).
 * A recording Zoom no longer has (404) has nothing left to keep: trashRecordings then says already-gone.
 */
async function notArchivedAtZoom(zoom: ZoomClient, document: RecordingDocument): Promise<string[]> {
  let listed: ZoomRecordingFile[];
  try {
    listed = (await zoom.getMeetingRecordings(document.meeting_uuid)).recording_files ?? [];
  } catch (error) {
    if (error instanceof ZoomApiError && error.status === 404) return [];
    throw error;
  }
  return filesNotArchived(listed, document.files).map(
    (file) =>
      `${recordingTypeOf(file)}${file.status && file.status !== "completed" ? ` (${file.status})` : ""}`,
  );
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
function mergeFiles(existing: RecordingFileEntry[], stored: StoredFile[]): RecordingFileEntry[] {
  const merged = new Map<string, RecordingFileEntry>();
  for (const entry of existing) merged.set(entry.key ?? legacyKey(entry.s3_url), entry);
  for (const entry of stored) merged.set(entry.key, entry);
  return [...merged.values()];
}

const now = (deps: PipelineDeps) => (deps.now?.() ?? new Date()).toISOString();

/** Documents of the older system have no `key`: its s3_url ends in `{recording_id}/{file name}`. */
function legacyKey(s3Url: string): string {
  const path = s3Url.replace(/^[a-z]+:\/\/[^/]*/i, "").split("?")[0] ?? "";
  return decodeURIComponent(path.split("/").slice(-2).join("/"));
}
