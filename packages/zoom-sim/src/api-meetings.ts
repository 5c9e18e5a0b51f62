/** /v2 routes about one meeting: past meeting, parent meeting, its recordings, trashing them. */
import { type ApiContext, meetingFromSegment } from "./api-context.js";
import { safeDecode } from "./ids.js";
import { addNote } from "./request-log.js";
import { type BodyPlan, jsonPlan } from "./respond.js";
import { meetingJson, pastMeetingJson, zoomError } from "./zoom-json.js";

const RECORDING_GONE = zoomError(3301, "This recording does not exist.");
/** Participants the sim reports for every past meeting: Zoom never reports fewer than the host. */
const PARTICIPANTS = 3;

function meetingMissing(raw: string): BodyPlan {
  return jsonPlan(404, zoomError(3001, `Meeting does not exist: ${safeDecode(raw) ?? raw}.`));
}

/** Zoom's webinar types: 5 webinar, 6 recurring without a fixed time, 9 recurring with one. */
const WEBINAR_TYPES: readonly number[] = [5, 6, 9];
const isWebinar = (meeting: { type: number }) => WEBINAR_TYPES.includes(meeting.type);

function webinarMissing(raw: string): BodyPlan {
  return jsonPlan(404, zoomError(3001, `Webinar does not exist: ${safeDecode(raw) ?? raw}.`));
}

/** GET /v2/past_meetings/{uuid}, or /v2/past_webinars/{uuid} when `webinar`: each knows only its kind. */
export function getPastMeeting(context: ApiContext, raw: string, webinar = false): BodyPlan {
  const meeting = meetingFromSegment(context, raw, { withRecordings: false });
  const missing = webinar ? webinarMissing : meetingMissing;
  if (!meeting || meeting.pastMeetingMissing || isWebinar(meeting) !== webinar) return missing(raw);
  return jsonPlan(200, pastMeetingJson(meeting, PARTICIPANTS));
}

/**
 * GET /v2/meetings/{meetingId}, or /v2/webinars/{webinarId} when `webinar`: the parent, whose uuid is
 * not the instance's.
 */
export function getMeeting(context: ApiContext, raw: string, webinar = false): BodyPlan {
  const decoded = safeDecode(raw) ?? raw;
  if (!/^\d+$/.test(decoded)) {
    return jsonPlan(400, zoomError(300, `Invalid ${webinar ? "webinar" : "meeting"} id: ${decoded}.`));
  }
  const meeting = context.state.latestInstance(Number(decoded), context.accountId, false);
  const missing = webinar ? webinarMissing : meetingMissing;
  if (!meeting || meeting.parentMeetingDeleted || isWebinar(meeting) !== webinar) return missing(raw);
  return jsonPlan(200, meetingJson(meeting, `${context.state.apiOrigin}/j/${meeting.id}`));
}

/** GET /v2/meetings/{uuid}/recordings[?include_fields=download_access_token] */
export function getRecordings(context: ApiContext, raw: string): BodyPlan {
  const meeting = meetingFromSegment(context, raw, { withRecordings: true });
  if (!meeting) return jsonPlan(404, RECORDING_GONE);
  const json = context.state.recordingJson(meeting);
  if (meeting.listingWithoutFiles) delete json.recording_files;
  const fields = context.request.query.get("include_fields") ?? "";
  if (fields.split(",").includes("download_access_token")) {
    json.download_access_token = context.downloadTokens.mint({
      accountId: meeting.accountId,
      mid: meeting.uuid,
      userId: meeting.hostId,
      exp: Math.floor(Date.now() / 1000) + 24 * 3600,
    });
  }
  return jsonPlan(200, json);
}

/** DELETE /v2/meetings/{uuid}/recordings?action=trash|delete */
export function deleteRecordings(context: ApiContext, raw: string): BodyPlan {
  const action = context.request.query.get("action") ?? "trash";
  if (action !== "trash" && action !== "delete") {
    return jsonPlan(400, zoomError(300, `Invalid action: ${action}.`));
  }
  const meeting = meetingFromSegment(context, raw, { withRecordings: false });
  if (!meeting) return jsonPlan(404, RECORDING_GONE);
  if (context.state.gone.has(meeting.uuid)) {
    context.trashCalls.push({ uuid: meeting.uuid, action, status: 404 });
    addNote(
      context.entry,
      `recordings already ${context.state.gone.get(meeting.uuid) === "delete" ? "deleted" : "trashed"}`,
    );
    return jsonPlan(404, RECORDING_GONE);
  }
  context.state.gone.set(meeting.uuid, action);
  context.trashCalls.push({ uuid: meeting.uuid, action, status: 204 });
  if (action === "delete") addNote(context.entry, "permanent deletion");
  return jsonPlan(204, undefined);
}
