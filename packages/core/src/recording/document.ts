/**
 * The recording document: what `{id}/recording_document.json` holds and what the index stores per row.
 * Field names are the older system's and must not change; new fields are optional so that documents
 * it wrote stay valid.
 */

export interface Disposition {
  /** Only "delete" is acted on (by purge-old); other actions are kept but ignored. */
  action: string;
  /** YYYY-MM-DD: the action is due on or after this date. */
  after: string;
  [extra: string]: unknown;
}

export interface RecordingFileEntry {
  recording_type: string;
  s3_url: string;
  etag: string;
  /** Zoom's `file_size`; null when Zoom gave none (CC, TIMELINE). */
  zoom_file_size: number | null;
  mime_type: string;
  // New optional fields (zrec writes them; the older system did not).
  key?: string;
  size?: number;
  sha256?: string;
  file_type?: string;
  recording_start?: string;
  recording_end?: string;
  /** Zoom's recording file id, when Zoom gave one: keeps keys stable across re-runs and later events. */
  zoom_file_id?: string;
  [extra: string]: unknown;
}

export interface RecordingDocument {
  recording_id: string;
  recording_path: string;
  meeting_uuid: string;
  parent_meeting_uuid: string;
  meeting_id: number;
  meeting_topic: string;
  password: string;
  host_id: string;
  organization: string;
  start_time: string;
  end_time: string;
  files: RecordingFileEntry[];
  // New optional fields.
  schema_version?: number;
  ingested_at?: string;
  zoom_account?: string;
  disposition?: Disposition;
  [extra: string]: unknown;
}

/** The schema_version zrec writes. Documents without one were written by the older system. */
export const SCHEMA_VERSION = 1;
