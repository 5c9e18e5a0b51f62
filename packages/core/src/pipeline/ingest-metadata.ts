/**
 * Stage 1: store the event and the meeting's metadata, and plan one task per downloadable file.
 * Reads Zoom and writes small JSON objects only; never downloads a recording. In one process the stage
 * is split (`planIngest`) so that the copies start once Zoom has listed the files.
 */
import { accountForZoomAccountId } from "../config/index.js";
import { ConfigError, RecordingGone, ZoomApiError } from "../errors.js";
import type { RecordingDocument } from "../recording/document.js";
import { planFileNames } from "../recording/files.js";
import type { ZoomClient } from "../zoom/api.js";
import { eventAccountId } from "../zoom/event-account.js";
import { recordingIdFromUuid } from "../zoom/ids.js";
import type { RecordingEventName } from "../zoom/types.js";
import { parseRecordingEvent } from "../zoom/webhook.js";
import { downloadPlan, listedById } from "./api-listed-file.js";
import type { PipelineDeps } from "./deps.js";
import { describeRecording } from "./describe-recording.js";
import { skipReason } from "./filters.js";
import { documentKey, getJson } from "./store-json.js";
import type { DocumentDraft, FileTask, IngestMetadataInput, IngestMetadataOutput } from "./types.js";

/**
 * The metadata stage whole, as Step Functions runs it: the event and the meeting's metadata stored,
 * the draft of the document and one task per file.
 * @example
 * const metadata = await ingestMetadata({ event }, deps);
 * if (metadata.status === "ready") console.log(metadata.files.map((task) => task.key));
 */
export async function ingestMetadata(
  input: IngestMetadataInput,
  deps: PipelineDeps,
): Promise<IngestMetadataOutput> {
  const planned = await planIngest(input, deps);
  if (planned.status === "skipped") return planned;
  const { described, ...ready } = planned;
  return { ...ready, ...(await described) };
}

/** The metadata stage in two halves: the file tasks now, the meeting's description to follow. */
export type PlannedIngest =
  | Extract<IngestMetadataOutput, { status: "skipped" }>
  | {
      status: "ready";
      recording_id: string;
      event: RecordingEventName;
      zoom_account: string;
      files: FileTask[];
      /**
       * The document's draft and the stage's warnings, once Zoom's past and parent meeting are in and
       * stored with the event; rejects as the stage would have. Never unhandled: a caller that copies
       * meanwhile awaits it once its copies are done.
       */
      described: Promise<{ draft: DocumentDraft; warnings: string[] }>;
    };

/**
 * The metadata stage split where the copies can start: what they need (Zoom's file list and the file
 * tasks) is awaited; the past and parent meeting, which only the document needs, are asked for and
 * stored meanwhile (`runIngest` copies while they are). `draftAfter`, when given, holds back the
 * draft itself: its recording path's first time-zone conversion loads ICU's data (~20 ms of the main
 * thread), which should not land while the copies' first requests are going out.
 * @example
 * const planned = await planIngest({ event }, deps);
 * if (planned.status === "ready") {
 *   const copies = planned.files.map((task) => retrieveRecording({ task }, deps));
 *   const { draft, warnings } = await planned.described;
 * }
 */
export async function planIngest(
  input: IngestMetadataInput,
  deps: PipelineDeps,
  draftAfter?: Promise<void>,
): Promise<PlannedIngest> {
  const event = parseRecordingEvent(input.event, "the event");
  const object = event.payload.object;
  const recordingId = recordingIdFromUuid(object.uuid);
  const reason = skipReason(event, deps.config);
  if (reason !== undefined) return { status: "skipped", recording_id: recordingId, reason };

  const eventAccount = eventAccountId(event.payload);
  const { name: zoomAccount, account } = accountFor(deps, eventAccount);
  const zoom = deps.zoom(zoomAccount);

  const [listed, existing] = await Promise.all([
    requireRecordingAtZoom(zoom, object.uuid, recordingId, deps).catch((error) => {
      // Asked of the fallback account because the event's is not configured: that is the news, not "gone".
      if (error instanceof RecordingGone && eventAccount && account.accountId !== eventAccount) {
        throw new ConfigError(
          "zoom.accounts",
          `The event is from Zoom account ${eventAccount}, which no zoom.accounts entry has; account "${zoomAccount}" (${account.accountId}) was asked instead and does not hold recording ${recordingId}. Add that account (accountId ${eventAccount}, its clientId and secret) to zoom.accounts.`,
          { cause: error },
        );
      }
      throw error;
    }),
    existingDocument(deps, recordingId),
  ]);

  const files: FileTask[] = planFileNames(object.recording_files ?? [], existing?.files ?? []).map(
    (planned) => {
      const { file, fromApi } = downloadPlan(planned.file, listed);
      return {
        recording_id: recordingId,
        key: `${recordingId}/${planned.fileName}`,
        metadata_key: `${recordingId}/${planned.metadataName}`,
        recording_type: planned.recordingType,
        mime_type: planned.mimeType,
        ...(typeof file.file_size === "number" ? { expected_size: file.file_size } : {}),
        zoom_file: file,
        ...(fromApi ? { download_url_from_api: true as const } : {}),
        zoom_account: zoomAccount,
      };
    },
  );
  deps.onEvent?.({
    type: "metadata",
    recording_id: recordingId,
    topic: existing?.meeting_topic ?? object.topic,
    files: files.length,
  });
  const described = describeRecording(event, recordingId, zoomAccount, existing, deps, draftAfter);
  described.catch(() => {});
  return {
    status: "ready",
    recording_id: recordingId,
    event: event.event,
    zoom_account: zoomAccount,
    files,
    described,
  };
}

/** The configured account of the event's Zoom account, else the default one. */
function accountFor(deps: PipelineDeps, eventAccountId: string | undefined) {
  try {
    return accountForZoomAccountId(deps.config, eventAccountId);
  } catch (error) {
    // Several accounts and none "default": the event's account is simply not among them.
    const configured = Object.keys(deps.config.zoom.accounts);
    if (!(error instanceof ConfigError) || !eventAccountId || configured.length === 0) throw error;
    throw new ConfigError(
      "zoom.accounts",
      `The event is from Zoom account ${eventAccountId}, which no zoom.accounts entry has (configured: ${configured.join(", ")}). Add that account (accountId ${eventAccountId}, its clientId and secret) to zoom.accounts.`,
      { cause: error },
    );
  }
}

/**
 * Asks Zoom for the recording before anything is written: once it is trashed or deleted (an old event,
 * an archive other than the one that trashed it) every download would answer 404, and the metadata
 * written first would be an orphan. Gone is an outcome of its own, not a failure worth retrying. A
 * recording this archive already holds goes on as any re-run does (its stored files are not fetched
 * again, so a re-run after trashAfterIngest still changes nothing and succeeds).
 * Returns Zoom's files by id, where downloads are taken from (api-listed-file.ts); undefined when the
 * list is unknown, and the event's URLs are used as before.
 */
async function requireRecordingAtZoom(
  zoom: ZoomClient,
  uuid: string,
  recordingId: string,
  deps: PipelineDeps,
): Promise<ReturnType<typeof listedById>> {
  try {
    return listedById((await zoom.getMeetingRecordings(uuid)).recording_files);
  } catch (error) {
    // Only "gone" is this check's business; any other failure (after the client's own retries) is
    // left to the calls that need an answer, which report it as they always have.
    if (!(error instanceof ZoomApiError && error.status === 404)) return undefined;
    if (await existingDocument(deps, recordingId)) return undefined;
    throw new RecordingGone(recordingId, { cause: error });
  }
}

async function existingDocument(
  deps: PipelineDeps,
  recordingId: string,
): Promise<RecordingDocument | undefined> {
  const indexed = await deps.backends.index.get(recordingId);
  if (indexed) return indexed;
  return (await getJson(deps.backends.store, documentKey(recordingId))) as RecordingDocument | undefined;
}
