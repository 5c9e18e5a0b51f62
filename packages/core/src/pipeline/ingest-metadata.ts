/**
 * Stage 1: store the event and the meeting's metadata, and plan one task per downloadable file.
 * Reads Zoom and writes small JSON objects only; never downloads a recording. In one process the stage
 * is split (`planIngest`) so that the copies start once Zoom has listed the files.
 */
import { accountForZoomAccountId } from "../config/index.js";
import { ConfigError, RecordingGone, ZoomApiError } from "../errors.js";
import { type RecordingDocument, SCHEMA_VERSION } from "../recording/document.js";
import { planFileNames } from "../recording/files.js";
import { organizationFor, recordingPath } from "../recording/path.js";
import type { ZoomClient } from "../zoom/api.js";
import { eventAccountId } from "../zoom/event-account.js";
import { recordingIdFromUuid } from "../zoom/ids.js";
import type { RecordingEventName, ZoomMeeting, ZoomPastMeeting, ZoomRecordingEvent } from "../zoom/types.js";
import { parseRecordingEvent } from "../zoom/webhook.js";
import { downloadPlan, listedById } from "./api-listed-file.js";
import type { PipelineDeps } from "./deps.js";
import { skipReason } from "./filters.js";
import { storableFile, storableMeeting } from "./redact.js";
import { documentKey, getJson, putJson } from "./store-json.js";
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

/** The event and Zoom's past and parent meeting (or webinar) stored, and the document's draft from them. */
async function describeRecording(
  event: ZoomRecordingEvent,
  recordingId: string,
  zoomAccount: string,
  existing: RecordingDocument | undefined,
  deps: PipelineDeps,
  draftAfter: Promise<void> | undefined,
): Promise<{ draft: DocumentDraft; warnings: string[] }> {
  const object = event.payload.object;
  const zoom = deps.zoom(zoomAccount);
  const { store } = deps.backends;
  // A webinar's metadata lives at its own endpoints (the meeting ones answer 404 for it), and is stored
  // beside the recording under its own names; the document's fields are filled the same way.
  const webinar = isWebinar(object.type);
  const pastWarnings: string[] = [];
  const meetingWarnings: string[] = [];
  // None of these needs another's answer: asked and written at once, they cost one round trip and one
  // write instead of two of each and a third write in a row.
  const [, pastMeeting, meeting] = await Promise.all([
    putJson(store, `${recordingId}/recording.json`, withoutDownloadToken(event)),
    (webinar
      ? unlessGone(() => zoom.getPastWebinar(object.uuid), pastWarnings, "past webinar")
      : unlessGone(() => zoom.getPastMeeting(object.uuid), pastWarnings, "past meeting")
    ).then(async (found) => {
      const name = webinar ? "past_webinar" : "past_meeting";
      // Nothing is written once the ingest was stopped (Ctrl+C while the copies ran).
      deps.signal?.throwIfAborted();
      if (found) await putJson(store, `${recordingId}/${name}.json`, storableMeeting(found));
      return found;
    }),
    (webinar
      ? unlessGone(() => zoom.getWebinar(object.id), meetingWarnings, "webinar")
      : unlessGone(() => zoom.getMeeting(object.id), meetingWarnings, "parent meeting")
    ).then(async (found) => {
      const name = webinar ? "webinar" : "meeting";
      deps.signal?.throwIfAborted();
      if (found) await putJson(store, `${recordingId}/${name}.json`, storableMeeting(found));
      return found;
    }),
  ]);
  // In the order they were asked in, whichever came back first.
  const warnings = [...pastWarnings, ...meetingWarnings];
  for (const message of warnings) deps.onEvent?.({ type: "warning", message });
  await draftAfter;
  // A transcript arriving later only adds files: what the archive (or an operator) says stays.
  const draft: DocumentDraft =
    existing && event.event === "recording.transcript_completed"
      ? withoutFiles(existing)
      : {
          ...(existing ? withoutFiles(existing) : {}),
          ...buildDraft(event, recordingId, zoomAccount, pastMeeting, meeting, deps),
        };
  return { draft, warnings };
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

/** Zoom's webinar types: 5 webinar, 6 recurring without a fixed time, 9 recurring with one. */
const WEBINAR_TYPES: readonly number[] = [5, 6, 9];

function isWebinar(type: number | undefined): boolean {
  return type !== undefined && WEBINAR_TYPES.includes(type);
}

function buildDraft(
  event: ZoomRecordingEvent,
  recordingId: string,
  zoomAccount: string,
  pastMeeting: ZoomPastMeeting | undefined,
  meeting: ZoomMeeting | undefined,
  deps: PipelineDeps,
): DocumentDraft {
  const { config } = deps;
  const object = event.payload.object;
  const topic = meeting?.topic ?? object.topic;
  const organization = organizationFor(topic, config.organizations, config.defaultOrganization);
  const startTime = pastMeeting?.start_time ?? object.start_time ?? "";
  return {
    recording_id: recordingId,
    recording_path: recordingPath(
      { organization, topic, startTime: startTime || null },
      { timezone: config.timezone, roundMinutes: config.roundMinutes },
    ),
    meeting_uuid: object.uuid,
    parent_meeting_uuid: meeting?.uuid ?? object.uuid,
    meeting_id: meeting?.id ?? object.id,
    meeting_topic: topic,
    password: meeting?.password ?? object.password ?? "",
    host_id: meeting?.host_id ?? object.host_id ?? "",
    organization,
    start_time: startTime,
    end_time: pastMeeting?.end_time ?? endFromDuration(startTime, object.duration),
    schema_version: SCHEMA_VERSION,
    zoom_account: zoomAccount,
  };
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

/**
 * Zoom answers 404 for a parent meeting that was deleted after it took place, and sometimes for a past
 * meeting; the event itself then has what the document needs, so this is a warning, not a failure.
 */
async function unlessGone<T>(
  get: () => Promise<T>,
  warnings: string[],
  what: string,
): Promise<T | undefined> {
  try {
    return await get();
  } catch (error) {
    if (error instanceof ZoomApiError && error.status === 404) {
      warnings.push(
        `Zoom has no ${what} for this recording (${error.message}); using the event's fields instead.`,
      );
      return undefined;
    }
    throw error;
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

function withoutFiles(document: RecordingDocument): DocumentDraft {
  const { files: _files, ...draft } = document;
  return draft;
}

/**
 * The stored event must not carry the download token: it is a credential, valid for a day. Nor may a
 * file's URLs (a token in a query or userinfo).
 */
function withoutDownloadToken(event: ZoomRecordingEvent): Omit<ZoomRecordingEvent, "download_token"> {
  const { download_token: _token, ...rest } = event;
  const files = rest.payload.object.recording_files;
  if (!Array.isArray(files)) return rest;
  const object = { ...rest.payload.object, recording_files: files.map(storableFile) };
  return { ...rest, payload: { ...rest.payload, object } };
}

function endFromDuration(startTime: string, minutes: number | undefined): string {
  const start = Date.parse(startTime);
  if (Number.isNaN(start) || typeof minutes !== "number") return "";
  return new Date(start + minutes * 60_000).toISOString().replace(".000Z", "Z");
}
