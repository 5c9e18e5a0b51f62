/** The shapes Zoom sends: webhook events and REST responses, as far as zrec reads them. */

export interface ZoomRecordingFile {
  /** Absent on CC and TIMELINE files. */
  id?: string;
  meeting_id?: string;
  recording_start?: string;
  recording_end?: string;
  file_type?: string;
  file_extension?: string;
  /** Absent on CC and TIMELINE files: the size is learnt from the download. */
  file_size?: number;
  play_url?: string;
  download_url?: string;
  /** Absent on CC and TIMELINE files. */
  status?: string;
  /** Absent on CC and TIMELINE files: derived from file_type. */
  recording_type?: string;
  [extra: string]: unknown;
}

export interface ZoomMeetingRecordings {
  uuid: string;
  id: number;
  account_id?: string;
  host_id?: string;
  topic: string;
  type?: number;
  start_time?: string;
  timezone?: string;
  host_email?: string;
  /** Minutes. */
  duration?: number;
  total_size?: number;
  recording_count?: number;
  share_url?: string;
  recording_files?: ZoomRecordingFile[];
  password?: string;
  [extra: string]: unknown;
}

export type RecordingEventName = "recording.completed" | "recording.transcript_completed";

export interface ZoomRecordingEvent {
  event: RecordingEventName;
  event_ts?: number;
  payload: { account_id?: string; object: ZoomMeetingRecordings; [extra: string]: unknown };
  /** Lasts 24 hours; a secret: never stored, logged or returned. */
  download_token?: string;
  [extra: string]: unknown;
}

/** GET /past_meetings/{uuid} */
export interface ZoomPastMeeting {
  uuid: string;
  id: number;
  host_id?: string;
  topic?: string;
  start_time?: string;
  end_time?: string;
  duration?: number;
  [extra: string]: unknown;
}

/** GET /meetings/{id} */
export interface ZoomMeeting {
  uuid: string;
  id: number;
  host_id: string;
  topic: string;
  password?: string;
  [extra: string]: unknown;
}

export interface ZoomUser {
  id: string;
  email?: string;
  [extra: string]: unknown;
}
