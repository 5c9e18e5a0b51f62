/**
 * The metadata stage's second half: the event and Zoom's past and parent meeting (or webinar) stored
 * beside the recording, and the document's draft made from them. In one process it runs while the
 * copies do (`planIngest`, `runIngest`); Step Functions runs it within IngestMetadata.
 */
import { ZoomApiError } from "../errors.js";
import { type RecordingDocument, SCHEMA_VERSION } from "../recording/document.js";
import { organizationFor, recordingPath } from "../recording/path.js";
import type { ZoomMeeting, ZoomPastMeeting, ZoomRecordingEvent } from "../zoom/types.js";
import type { PipelineDeps } from "./deps.js";
import { storableFile, storableMeeting } from "./redact.js";
import { putJson } from "./store-json.js";
import type { DocumentDraft } from "./types.js";

/**
 * The event and Zoom's past and parent meeting (or webinar) stored, and the document's draft from them.
 * The draft waits for `draftAfter` when given (see `planIngest`); nothing is stored once `deps.signal`
 * has stopped the ingest.
 * @example
 * const { draft, warnings } = await describeRecording(event, recordingId, "default", existing, deps, undefined);
 */
export async function describeRecording(
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
  /** Asks Zoom for one of them and stores it beside the recording as `{name}.json`. */
  const fetchAndStore = async <T extends object>(
    get: () => Promise<T>,
    warnings: string[],
    what: string,
    name: string,
  ): Promise<T | undefined> => {
    const found = await unlessGone(get, warnings, what);
    // Nothing is written once the ingest was stopped (Ctrl+C while the copies ran).
    deps.signal?.throwIfAborted();
    if (found) await putJson(store, `${recordingId}/${name}.json`, storableMeeting(found));
    return found;
  };
  // None of these needs another's answer: asked and written at once, they cost one round trip and one
  // write instead of two of each and a third write in a row.
  const [, pastMeeting, meeting] = await Promise.all([
    putJson(store, `${recordingId}/recording.json`, withoutDownloadToken(event)),
    webinar
      ? fetchAndStore(() => zoom.getPastWebinar(object.uuid), pastWarnings, "past webinar", "past_webinar")
      : fetchAndStore(() => zoom.getPastMeeting(object.uuid), pastWarnings, "past meeting", "past_meeting"),
    webinar
      ? fetchAndStore(() => zoom.getWebinar(object.id), meetingWarnings, "webinar", "webinar")
      : fetchAndStore(() => zoom.getMeeting(object.id), meetingWarnings, "parent meeting", "meeting"),
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
