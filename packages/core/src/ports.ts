/**
 * The three pluggable ports. Core code talks only to these; adapters in `adapters/` implement them for
 * the embedded default (folder, SQLite, outbox file) and for AWS (S3, DynamoDB, SQS).
 */
import type { Readable } from "node:stream";
import type { RecordingDocument } from "./recording/document.js";

/** What a store returns for an object it holds. */
export interface StoredObject {
  key: string;
  /** The object's URL as recorded in documents (`s3_url`): `https://{bucket}.s3.amazonaws.com/{key}` on S3. */
  url: string;
  /** Quoted like S3's ETag (`"…"`); a multipart object's ends in `-{parts}` as on S3. */
  etag: string;
  size: number;
}

export interface ObjectInfo {
  key: string;
  size: number;
  etag?: string;
}

/**
 * An object with its content, as a whole-archive scan yields it. The scan reads JSON documents, so the
 * content comes as text (UTF-8 decoded, invalid bytes replaced): the folder store decodes as it reads,
 * without a buffer per file.
 */
export interface ScannedObject {
  key: string;
  text: string;
}

export interface PutOptions {
  contentType: string;
  /** How long browsers and CDNs may keep the object (the site's files); stores without headers ignore it. */
  cacheControl?: string;
}

/** A multipart upload in progress. Parts may arrive in any order and concurrently. */
export interface MultipartUpload {
  /**
   * Stores one part. `partNumber` starts at 1; `offset` is where its bytes go in the final object.
   * Every part but the last has the same size. Once this resolves the caller may reuse `body`'s memory
   * (the ranged copy does, for its next part): a store must have written or sent the bytes by then, or
   * copied them.
   */
  uploadPart(part: { partNumber: number; offset: number; body: Uint8Array }): Promise<void>;
  /**
   * Writes bytes of a part that is still arriving to their place in the object being built, for a store
   * that builds it where the bytes land (the folder store's one file). Stores nothing by itself: a part
   * counts once {@link storeWritten} has taken it. Absent for a store that needs each part whole (S3).
   */
  writeArriving?(offset: number, bytes: Uint8Array): Promise<void>;
  /**
   * Takes a part whose every byte {@link writeArriving} has written, without its bytes: the caller
   * streamed them through small buffers and never held the part whole. Refused unless the writes laid
   * down all `length` bytes without a gap; `md5` (hex) is required, the store cannot read it from a
   * body. Present with `writeArriving` and {@link readWritten}.
   */
  storeWritten?(part: { partNumber: number; offset: number; length: number; md5: string }): Promise<void>;
  /**
   * Reads bytes of the object being built back into `into` (`into.length` of them from `offset`), from
   * parts stored or reused: how a caller that never held the parts whole hashes the object in order.
   * Refused once the upload is completed, aborted or suspended.
   */
  readWritten?(offset: number, into: Uint8Array): Promise<void>;
  /**
   * Makes the object appear at its key, whole. Before this resolves, no object exists at the key.
   * `keepCheckpoint`: a resumable upload's checkpoint stays until {@link forget}, for a caller with work
   * left that a kill must not cost the whole copy (a resumed copy reads the object back for its SHA-256).
   */
  complete(options?: { keepCheckpoint?: boolean }): Promise<StoredObject>;
  /** Removes the checkpoint `complete({ keepCheckpoint: true })` kept; a no-op otherwise. */
  forget(): Promise<void>;
  /**
   * Stops using a resumable upload without completing, aborting or forgetting it: its parts and
   * checkpoint stay for a later run, and what it holds is let go (the folder store's file and lock),
   * so that the later run, in this process or another, may take it up. A no-op for an upload aborted
   * or forgotten.
   */
  suspend(): Promise<void>;
  /** Discards every part; never throws for an upload that is already gone. */
  abort(): Promise<void>;
  /**
   * Parts an earlier, interrupted run of a resumable upload (`resumeId`) stored and this one reuses: the
   * caller sends only the others. Absent when nothing was reused.
   */
  readonly resumed?: { parts: number[]; bytes: number };
}

/** Options of {@link ObjectStore.createMultipartUpload}. */
export interface MultipartOptions extends PutOptions {
  partSize: number;
  size: number;
  /**
   * Makes the upload resumable: the store keeps a checkpoint beside it, rewritten after each part, and a
   * later upload of the same key with the same `resumeId`, size and part size reuses the parts it lists.
   * It names the source (zrec: the Zoom file id and size). Completing or aborting removes the checkpoint;
   * a process that dies leaves it for the next run (or the clean-up of abandoned uploads).
   */
  resumeId?: string;
}

/** The part layouts a store's multipart uploads take; `createMultipartUpload` may refuse others. */
export interface MultipartLimits {
  /** Bytes; every part but the last must be at least this large. */
  minPartSize: number;
  /** Bytes. */
  maxPartSize: number;
  maxParts: number;
}

export interface ObjectStore {
  /** Names the backend in messages: `folder ./zrec-data`, `s3://bucket/prefix`. */
  readonly description: string;
  /**
   * Optional: the store's multipart limits, which a copy plans its parts within (`choosePartSize`).
   * Absent: any layout.
   */
  readonly multipartLimits?: MultipartLimits;
  /** The URL recorded for `key` in documents (no request is made). */
  urlFor(key: string): string;
  put(key: string, body: Uint8Array | string, options: PutOptions): Promise<StoredObject>;
  /** Streams a body of unknown length into `key`; the object appears only when the stream ended cleanly. */
  putStream(key: string, body: Readable, options: PutOptions): Promise<StoredObject>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Size (and ETag where the backend keeps one cheaply), or undefined when there is no object at `key`. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every key that starts with `prefix`, in lexicographic order, page by page. */
  list(prefix: string): AsyncIterable<string>;
  /**
   * Optional: every object called `name` in a folder directly under the store's top
   * (`{folder}/{name}`, e.g. each recording's `recording_document.json`), as text, in key order, a
   * group of objects at a time (a yield per object cost a rebuild of 10,000 documents 40-55 ms).
   * A store offers it when it can beat `list("")` plus a `get` per key (the folder store lists one
   * folder instead of every recording's); callers go through `scanFolders` (tasks/scan-folders.ts),
   * which falls back to exactly that.
   */
  scanFolders?(name: string): AsyncIterable<ScannedObject[]>;
  /** Removes the object; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  createMultipartUpload(key: string, options: MultipartOptions): Promise<MultipartUpload>;
  /** Streams the object's bytes, or undefined when there is none. */
  read(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  close?(): Promise<void>;
}

export interface ListFilter {
  /**
   * The organisation, in any case. SQLite folds case itself; DynamoDB's key query cannot, so callers
   * pass the configured rule's spelling when one matches (as `zrec list` does).
   */
  organization?: string;
  /** ISO date or date-time: only recordings that started at or after it. */
  since?: string;
  /** Case-insensitive substring of the meeting topic. */
  topic?: string;
  limit?: number;
}

export interface RecordingIndex {
  readonly description: string;
  /** Inserts or replaces the row for `document.recording_id`. */
  put(document: RecordingDocument): Promise<void>;
  /**
   * Writes `document` only if the row is still the one `expected` was read as (`undefined`: no row yet),
   * judged by `sameRevision` (its `ingested_at` and `zoom_trashed_at`, which every write of an ingest
   * changes); answers false, writing nothing, when another writer came first. Two ingests of one
   * recording at once (a recording.completed and a transcript_completed execution on Lambda, a sweep
   * beside `zrec serve`) each merge their files into what they read: with a plain `put` the last one
   * dropped the other's.
   */
  replaceIf(document: RecordingDocument, expected: RecordingDocument | undefined): Promise<boolean>;
  /** Inserts or replaces many rows (rebuild-db); batched by the adapter. */
  putMany(documents: RecordingDocument[]): Promise<void>;
  /**
   * Optional: how many documents one `putMany` should carry when many are written (rebuild-db). SQLite
   * writes each call as one transaction, and each commit may checkpoint its log; absent: 1,000.
   */
  readonly bulkBatchSize?: number;
  get(recordingId: string): Promise<RecordingDocument | undefined>;
  /** Newest first (by start_time). */
  list(filter?: ListFilter): Promise<RecordingDocument[]>;
  delete(recordingId: string): Promise<void>;
  close?(): Promise<void>;
}

export type NotificationEvent = "ingested" | "reindexed" | "deleted";

export interface Notification {
  event: NotificationEvent;
  document: RecordingDocument;
  /**
   * Names this announcement: a send that repeats the recording's last one (same id) may be dropped, so a
   * re-run after a crash does not announce the same content twice. Ingest and purge derive it from the
   * event and the content (`notificationId`); reindex leaves it out, because a reindex asks to announce.
   * Absent: every send is new.
   */
  id?: string;
}

export interface Notifier {
  readonly description: string;
  send(notification: Notification): Promise<void>;
  close?(): Promise<void>;
}

/** The three ports together: what every stage and task receives. */
export interface Backends {
  store: ObjectStore;
  index: RecordingIndex;
  notifier: Notifier;
}
