/**
 * The JSON that flows between the ingest stages. It is exactly what Step Functions carries between
 * states, so it holds no file bodies, no huge arrays and no secret: the download token travels only in
 * the execution's input (the event as Zoom sent it) and is handed to retrieve-recording beside the task.
 */
import type { RecordingDocument, RecordingFileEntry } from "../recording/document.js";
import type { RecordingEventName, ZoomRecordingFile } from "../zoom/types.js";

/** The recording document without its files: what finish-ingest completes. */
export type DocumentDraft = {
  // Omit<> would collapse to the index signature and lose every named field; key remapping keeps them.
  [K in keyof RecordingDocument as K extends "files" ? never : K]: RecordingDocument[K];
};

/** One file for retrieve-recording to copy. */
export interface FileTask {
  recording_id: string;
  /** Store key of the recording file: `{id}/{baseName}.{ext}`. */
  key: string;
  /** Store key of the file's metadata JSON: `{id}/{baseName}.json`. */
  metadata_key: string;
  recording_type: string;
  mime_type: string;
  /** Zoom's file_size; absent for CC and TIMELINE files, whose size is learnt from the download. */
  expected_size?: number;
  /**
   * The file object as the event sent it (its download_url needs a token, so it is no secret), with the
   * download_url and file_size of Zoom's API list where that lists the file's id (api-listed-file.ts).
   */
  zoom_file: ZoomRecordingFile;
  /**
   * zoom_file.download_url is the API's, not the event's: downloaded with the account's OAuth token,
   * since the event's download_token is issued for the event's URLs. Absent: the event's URL.
   */
  download_url_from_api?: true;
  /** Name of the configured Zoom account whose OAuth token may download it. */
  zoom_account: string;
}

export interface IngestMetadataInput {
  event: unknown;
}

export type IngestMetadataOutput =
  | {
      status: "ready";
      recording_id: string;
      event: RecordingEventName;
      zoom_account: string;
      draft: DocumentDraft;
      files: FileTask[];
      /** Problems that did not stop the ingest (a deleted parent meeting, …). */
      warnings: string[];
    }
  | { status: "skipped"; recording_id: string; reason: string };

export interface RetrieveRecordingInput {
  task: FileTask;
  /** The event's download_token, when the execution input had one. Never returned or stored. */
  download_token?: string;
  /** The event's event_ts (ms): the download token lasts 24 hours from it. */
  event_ts?: number;
}

/** What retrieve-recording returns: the document's entry for the stored file. */
export type StoredFile = RecordingFileEntry & { key: string; size: number; sha256: string };

/**
 * What retrieve-recording returns when its time budget ran out before the copy ended: the parts stored
 * so far are checkpointed, and calling it again with the same input goes on from there.
 */
export interface IncompleteFile {
  status: "incomplete";
  key: string;
  /** Bytes stored so far. */
  loaded: number;
  total: number;
}

export type ReadyMetadata = Extract<IngestMetadataOutput, { status: "ready" }>;

export interface FinishIngestInput {
  metadata: ReadyMetadata;
  files: StoredFile[];
}

export interface FinishIngestOutput {
  recording_id: string;
  recording_path: string;
  document_key: string;
  files: number;
  /** False when the document did not change since the last ingest (nothing to tell the website). */
  notified: boolean;
  /**
   * `incomplete`: trashing is configured, but Zoom still holds files of the recording that the archive
   * does not (still processing, absent from the event, or a transcript ingested before the main files),
   * so the recording stays in Zoom; a later ingest trashes it once everything is archived.
   * `unknown`: Zoom's answer did not list the files (404, no `recording_files`, an empty list while the
   * archive holds files), so nothing was trashed; the next run decides.
   */
  trashed: "trashed" | "already-gone" | "not-configured" | "incomplete" | "unknown";
}
