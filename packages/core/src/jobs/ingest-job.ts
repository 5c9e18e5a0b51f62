/**
 * One `zrec serve` job: the event's ingest, then, when the event showed a file Zoom was still
 * processing (or the trash guard found Zoom holding files the archive lacks), a look at Zoom's current
 * file list, so a job never ends `done` while part of the recording is only in Zoom.
 */
import { accountForZoomAccountId, requireZoomAccount } from "../config/accounts.js";
import { RecordingProcessing, ZoomApiError } from "../errors.js";
import type { PipelineDeps } from "../pipeline/deps.js";
import { ingestFromZoom, unfinishedFiles } from "../pipeline/ingest-from-zoom.js";
import { type IngestResult, runIngest } from "../pipeline/run-ingest.js";
import { eventAccountId } from "../zoom/event-account.js";
import { parseRecordingEvent } from "../zoom/webhook.js";

/**
 * @throws RecordingProcessing (a transient failure: the worker pool tries the job again later) while
 *   Zoom still processes a file of the recording; whatever the ingest throws.
 * @example
 * const result = await runIngestJob(JSON.parse(job.payload), deps);
 */
export async function runIngestJob(payload: unknown, deps: PipelineDeps): Promise<IngestResult> {
  const event = parseRecordingEvent(payload, "the job's event");
  const result = await runIngest(event, deps);
  if (result.status === "skipped") return result;
  const object = event.payload.object;
  if (unfinishedFiles(object) === undefined && result.trashed !== "incomplete") return result;

  const { name } = accountForZoomAccountId(deps.config, eventAccountId(event.payload));
  const account = requireZoomAccount(deps.config, name);
  let meeting: Awaited<ReturnType<ReturnType<PipelineDeps["zoom"]>["getMeetingRecordings"]>>;
  try {
    meeting = await deps.zoom(name).getMeetingRecordings(object.uuid);
  } catch (error) {
    // Gone from Zoom (deleted by its owner): nothing more can be archived, what is stored stays.
    if (error instanceof ZoomApiError && error.status === 404) return result;
    throw error;
  }
  const report = await ingestFromZoom(meeting, account, deps);
  if (report.outcome === "processing") {
    throw new RecordingProcessing(result.recording_id, report.reason ?? "Zoom is still processing a file");
  }
  return report.outcome === "completed" ? { ...result, ...(await afterCompletion(result, deps)) } : result;
}

/** The completed recording's document as it now stands, for the job's result. */
async function afterCompletion(result: IngestResult, deps: PipelineDeps): Promise<Partial<IngestResult>> {
  const document = await deps.backends.index.get(result.recording_id);
  return document
    ? {
        recording_path: document.recording_path,
        files: document.files.map((file) => ({
          key: file.key ?? "",
          size: file.size ?? 0,
          sha256: file.sha256 ?? "",
          recording_type: file.recording_type,
        })),
        notified: true,
      }
    : {};
}
