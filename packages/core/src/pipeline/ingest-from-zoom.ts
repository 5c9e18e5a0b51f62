/**
 * Archiving a recording from Zoom's own answer rather than a webhook: what the sweep does for each
 * meeting it lists, `zrec ingest --uuid` for one, and `zrec serve` when an event came while Zoom was
 * still processing a file. The archive's document, not just its index row, is compared with Zoom's file
 * list, so a recording archived in part (a transcript before the video, a file still processing) is
 * found and completed.
 */
import type { NamedZoomAccount } from "../config/accounts.js";
import type { RecordingFileEntry } from "../recording/document.js";
import { filesNotArchived, recordingTypeOf } from "../recording/files.js";
import { recordingIdFromUuid } from "../zoom/ids.js";
import type { ZoomMeetingRecordings, ZoomRecordingEvent, ZoomRecordingFile } from "../zoom/types.js";
import type { PipelineDeps } from "./deps.js";
import { skipReason } from "./filters.js";
import { runIngest } from "./run-ingest.js";

/**
 * `archived`: the archive holds every file Zoom does. `too-short`: the ingest filters skip it.
 * `processing`: Zoom has not finished some of its files; a later sweep (or the webhook) gets them.
 * `ingested`: it was missing and is now archived; `would-ingest` in a dry run.
 * `completed`: it was archived without some of Zoom's files, which are now added; `incomplete` in a dry run.
 */
export type ZoomIngestOutcome =
  | "archived"
  | "too-short"
  | "processing"
  | "ingested"
  | "would-ingest"
  | "completed"
  | "incomplete";

export interface ZoomIngestReport {
  recording_id: string;
  outcome: ZoomIngestOutcome;
  /** Why it was not ingested (`too-short`, `processing`), or which files were missing (`completed`, `incomplete`). */
  reason?: string;
  recording_path?: string;
  /** `archived` in a dry run, and due for Zoom's trash (`ingest.trashAfterIngest`): a run that is not dry trashes it. */
  trashDue?: true;
  /** Warnings of the ingest (a 404 for the meeting's metadata …). */
  warnings?: string[];
}

/**
 * Compares `meeting` (Zoom's listing of one recording, with its files) with the archive and ingests
 * what is missing, on an event made as Zoom would send it, without a download token, so the account's
 * OAuth token fetches the files.
 *
 * @example
 * const meeting = await deps.zoom(account.name).getMeetingRecordings(uuid);
 * const report = await ingestFromZoom(meeting, account, deps);
 * if (report.outcome === "processing") console.log(report.reason);
 */
export async function ingestFromZoom(
  meeting: ZoomMeetingRecordings,
  { account }: NamedZoomAccount,
  deps: PipelineDeps,
  options: { dryRun?: boolean } = {},
): Promise<ZoomIngestReport> {
  const recordingId = recordingIdFromUuid(meeting.uuid);
  const archived = await deps.backends.index.get(recordingId);
  const zoomFiles = meeting.recording_files ?? [];
  const missing = archived ? missingFiles(zoomFiles, archived.files) : zoomFiles;
  const event: ZoomRecordingEvent = {
    event: "recording.completed",
    event_ts: (deps.now?.() ?? new Date()).getTime(),
    payload: { account_id: account.accountId, object: meeting },
  };
  if (archived && missing.length === 0) {
    const found = {
      recording_id: recordingId,
      outcome: "archived" as const,
      recording_path: archived.recording_path,
    };
    // Archived whole by zrec but still at Zoom while it should have been trashed (the trash failed, or
    // Zoom's listing could not be read then): the ingest runs again, copying nothing, and its last stage
    // checks Zoom's list and trashes. Without this the recording stayed at Zoom for good, reported
    // archived. A document of the older system (it names no zoom_account) is left as it is: whether it
    // was to be trashed was that system's business, and re-ingesting it would rewrite and re-announce it.
    const trashDue =
      deps.config.ingest.trashAfterIngest &&
      archived.zoom_account !== undefined &&
      archived.zoom_trashed_at === undefined;
    if (!trashDue) return found;
    if (options.dryRun) {
      return {
        ...found,
        reason: "not yet moved to Zoom's trash; a run without --dry-run does it",
        trashDue: true,
      };
    }
    const again = await runIngest(event, deps);
    const trashed = again.status !== "skipped" && again.trashed === "trashed";
    return {
      ...found,
      reason: trashed
        ? "moved to Zoom's trash now; it was archived but not yet trashed"
        : "not yet moved to Zoom's trash",
      warnings: again.warnings,
    };
  }

  if (!archived) {
    const skipped = skipReason(event, deps.config);
    if (skipped !== undefined) return { recording_id: recordingId, outcome: "too-short", reason: skipped };
  }
  const unfinished = unfinishedFiles(meeting);
  if (unfinished !== undefined)
    return { recording_id: recordingId, outcome: "processing", reason: unfinished };
  const lacking = archived
    ? `the archive lacks ${missing.map((file) => recordingTypeOf(file)).join(", ")}`
    : undefined;
  if (options.dryRun) {
    return {
      recording_id: recordingId,
      outcome: archived ? "incomplete" : "would-ingest",
      ...(lacking ? { reason: lacking } : {}),
    };
  }

  const result = await runIngest(event, deps);
  if (result.status === "skipped") {
    return {
      recording_id: recordingId,
      outcome: "too-short",
      reason: result.reason ?? "skipped by the ingest filters",
    };
  }
  return {
    recording_id: recordingId,
    outcome: archived ? "completed" : "ingested",
    ...(lacking ? { reason: lacking } : {}),
    ...(result.recording_path === undefined ? {} : { recording_path: result.recording_path }),
    warnings: result.warnings,
  };
}

/**
 * Why the meeting is not ready, when Zoom is still processing some of its files. Ingesting it now
 * would archive it without them, and with `trashAfterIngest` would trash them before they were copied.
 */
export function unfinishedFiles(meeting: ZoomMeetingRecordings): string | undefined {
  const files = meeting.recording_files ?? [];
  // Zoom omits status on CC and TIMELINE files; only a status other than "completed" means unfinished.
  const unfinished = files.filter((file) => file.status !== undefined && file.status !== "completed");
  if (unfinished.length === 0) return undefined;
  const statuses = [...new Set(unfinished.map((file) => file.status))].join(", ");
  return `Zoom has not finished ${unfinished.length} of its ${files.length} file${files.length === 1 ? "" : "s"} (status ${statuses})`;
}

/**
 * Zoom's files the document lacks. Documents of the older system name no Zoom file id (and their sizes
 * may be the old system's): one of their entries of the same recording type stands for the file, so a
 * legacy archive is not taken for incomplete and copied again.
 */
function missingFiles(zoomFiles: ZoomRecordingFile[], entries: RecordingFileEntry[]): ZoomRecordingFile[] {
  const legacy = entries.filter((entry) => !entry.zoom_file_id);
  return filesNotArchived(zoomFiles, entries).filter(
    (file) => !legacy.some((entry) => entry.recording_type === recordingTypeOf(file)),
  );
}
