/** The JSON Zoom answers with, built from the sim's meetings: recording objects, past meetings, meetings. */
import type { SimFile, SimMeeting } from "./types.js";

/** What Zoom's JSON says of each file type it knows: recording_type, file_extension and the CDN's Content-Type. */
const FILE_TYPES: Record<string, { recordingType: string; extension?: string; mime: string }> = {
  MP4: { recordingType: "shared_screen_with_speaker_view", mime: "video/mp4" },
  M4A: { recordingType: "audio_only", mime: "audio/mp4" },
  TIMELINE: { recordingType: "timeline", extension: "JSON", mime: "application/json" },
  TRANSCRIPT: { recordingType: "audio_transcript", extension: "VTT", mime: "text/vtt" },
  CC: { recordingType: "closed_caption", extension: "VTT", mime: "text/vtt" },
  CHAT: { recordingType: "chat_file", extension: "TXT", mime: "text/plain" },
  CSV: { recordingType: "poll", mime: "text/csv" },
  SUMMARY: { recordingType: "summary", extension: "JSON", mime: "application/json" },
};

const fileTypeInfo = (fileType: string) =>
  Object.hasOwn(FILE_TYPES, fileType.toUpperCase()) ? FILE_TYPES[fileType.toUpperCase()] : undefined;

/** Zoom's recording_type for a file type, where Zoom's JSON would name one. */
export function defaultRecordingType(fileType: string): string {
  return fileTypeInfo(fileType)?.recordingType ?? fileType.toLowerCase();
}

/** Zoom's file_extension for a file type: the type itself unless Zoom names another. */
export function fileExtensionOf(fileType: string): string {
  return fileTypeInfo(fileType)?.extension ?? fileType.toUpperCase();
}

export function mimeTypeOf(fileType: string): string {
  return fileTypeInfo(fileType)?.mime ?? "application/octet-stream";
}

const PLAYABLE = new Set(["MP4", "M4A"]);

/** One entry of recording_files, leaving out what Zoom leaves out for CC and TIMELINE files. */
function recordingFileJson(meeting: SimMeeting, file: SimFile, downloadUrl: string, playUrl: string) {
  const json: Record<string, unknown> = {};
  if (!file.zoomOmitsIdAndSize) json.id = file.id;
  json.meeting_id = meeting.uuid;
  json.recording_start = file.recordingStart;
  json.recording_end = file.recordingEnd;
  json.file_type = file.fileType;
  json.file_extension = file.fileExtension;
  if (!file.zoomOmitsIdAndSize) json.file_size = file.size;
  if (PLAYABLE.has(file.fileType.toUpperCase())) json.play_url = playUrl;
  json.download_url = downloadUrl;
  if (!file.zoomOmitsIdAndSize) {
    json.status = file.status;
    json.recording_type = file.recordingType;
  }
  return json;
}

export interface RecordingJsonOptions {
  files: SimFile[];
  downloadUrl: (file: SimFile) => string;
  playUrl: (file: SimFile) => string;
  shareUrl: string;
  /** Webhook payloads also carry host_email and on_prem. */
  forWebhook?: boolean;
}

export function recordingJson(meeting: SimMeeting, options: RecordingJsonOptions): Record<string, unknown> {
  const json: Record<string, unknown> = {
    uuid: meeting.uuid,
    id: meeting.id,
    account_id: meeting.accountId,
    host_id: meeting.hostId,
    topic: meeting.topic,
    type: meeting.type,
    start_time: meeting.startTime,
    timezone: meeting.timezone,
  };
  if (options.forWebhook) json.host_email = meeting.hostEmail;
  json.duration = meeting.durationMinutes;
  json.total_size = options.files.reduce((sum, file) => sum + file.size, 0);
  json.recording_count = options.files.length;
  json.share_url = options.shareUrl;
  json.recording_files = options.files.map((file) =>
    recordingFileJson(meeting, file, options.downloadUrl(file), options.playUrl(file)),
  );
  if (meeting.password !== undefined) json.password = meeting.password;
  if (options.forWebhook) json.on_prem = false;
  return json;
}

export function pastMeetingJson(meeting: SimMeeting, participantsCount: number) {
  return {
    uuid: meeting.uuid,
    id: meeting.id,
    host_id: meeting.hostId,
    type: meeting.type,
    topic: meeting.topic,
    user_name: meeting.hostEmail.split("@")[0] ?? meeting.hostId,
    user_email: meeting.hostEmail,
    start_time: meeting.startTime,
    end_time: meeting.endTime,
    duration: meeting.durationMinutes,
    total_minutes: meeting.durationMinutes * participantsCount,
    participants_count: participantsCount,
    source: "Zoom",
  };
}

export function meetingJson(meeting: SimMeeting, joinUrl: string) {
  const json: Record<string, unknown> = {
    uuid: meeting.parentUuid,
    id: meeting.id,
    host_id: meeting.hostId,
    host_email: meeting.hostEmail,
    topic: meeting.topic,
    type: meeting.type,
    status: "waiting",
    start_time: meeting.startTime,
    duration: meeting.durationMinutes,
    timezone: meeting.timezone,
    agenda: "",
    created_at: meeting.startTime,
    join_url: joinUrl,
    // Zoom's meeting object carries the host's ZAK in start_url: zrec must not store it.
    start_url: `${joinUrl.replace("/j/", "/s/")}?zak=sim-zak-${meeting.id}-host-credential`,
  };
  if (meeting.password !== undefined) json.password = meeting.password;
  json.settings = {
    host_video: false,
    participant_video: false,
    auto_recording: "cloud",
    waiting_room: false,
  };
  json.pre_schedule = false;
  return json;
}

/** Zoom's error body. */
export function zoomError(code: number, message: string) {
  return { code, message };
}
