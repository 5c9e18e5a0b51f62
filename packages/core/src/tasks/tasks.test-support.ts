/**
 * Fixtures for the task tests: an archive on the embedded backends in a temp dir, and recording
 * documents as the older Python system wrote them (none of zrec's optional fields). Not part of the library.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createFsStore } from "../adapters/fs-store.js";
import { createOutboxNotifier, type OutboxMessage, readOutbox } from "../adapters/outbox-notifier.js";
import { createSqliteIndex } from "../adapters/sqlite-index.js";
import type { Backends } from "../ports.js";
import type { RecordingDocument } from "../recording/document.js";
import { recordingIdFromUuid } from "../zoom/ids.js";

export interface TestArchive {
  dir: string;
  root: string;
  backends: Backends;
  outbox(): Promise<OutboxMessage[]>;
  /** Every key in the store, sorted. */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

/** A folder store, a SQLite index and an outbox, all under a fresh temp dir. */
export async function openTestArchive(): Promise<TestArchive> {
  const dir = await mkdtemp(path.join(tmpdir(), "zrec-tasks-"));
  const root = path.join(dir, "data");
  const outboxPath = path.join(dir, "outbox.jsonl");
  const backends: Backends = {
    store: createFsStore({ root }),
    index: createSqliteIndex({ path: path.join(dir, "index.db") }),
    notifier: createOutboxNotifier({ path: outboxPath }),
  };
  return {
    dir,
    root,
    backends,
    outbox: () => readOutbox(outboxPath),
    async keys() {
      const keys: string[] = [];
      for await (const key of backends.store.list("")) keys.push(key);
      return keys;
    },
    async close() {
      await backends.index.close?.();
      await backends.notifier.close?.();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh Zoom meeting uuid (base64 of 16 random bytes) and the recording id it gives. */
export function newMeetingUuid(): { uuid: string; recordingId: string } {
  const uuid = randomBytes(16).toString("base64");
  return { uuid, recordingId: recordingIdFromUuid(uuid) };
}

/**
 * A document with exactly the older system's fields (DESIGN.md's table), modelled on the
 * recording.completed fixture: M4A and MP4 files, no `key`, `size`, `schema_version` or `disposition`.
 */
export function legacyDocument(overrides: Partial<RecordingDocument> = {}): RecordingDocument {
  const { uuid, recordingId } = newMeetingUuid();
  const id = overrides.recording_id ?? recordingId;
  const bucket = "https://olf-zoom-recordings.s3.amazonaws.com";
  return {
    recording_id: id,
    recording_path: "olf/tech-coordinator-s-personal-meeting-room/2022-01-23T10:30",
    meeting_uuid: uuid,
    parent_meeting_uuid: "kV0d7mHnRV6bOQxE1dpTzA==",
    meeting_id: 7816381929,
    meeting_topic: "OLF Tech Coordinator's Personal Meeting Room",
    password: "+6gCkMFr",
    host_id: "OU54QJ6tRoGM55Rlt8YiQg",
    organization: "OLF",
    start_time: "2022-01-23T15:31:56Z",
    end_time: "2022-01-23T15:34:28Z",
    files: [
      {
        recording_type: "audio_only",
        s3_url: `${bucket}/${id}/audio_only.m4a`,
        etag: '"9b2cf535f27731c974343645a3985328"',
        zoom_file_size: 2183386,
        mime_type: "audio/m4a",
      },
      {
        recording_type: "shared_screen_with_speaker_view",
        s3_url: `${bucket}/${id}/shared_screen_with_speaker_view.mp4`,
        etag: '"c3fcd3d76192e4007dfb496cca67e13b-1"',
        zoom_file_size: 2769300,
        mime_type: "video/mp4",
      },
    ],
    ...overrides,
  };
}

/**
 * Writes a document and the objects an ingest would have left beside it (the event, the meeting, each
 * file named by its s3_url and its metadata); returns their keys, sorted.
 */
export async function storeRecording(
  archive: TestArchive,
  document: RecordingDocument,
  options: { index?: boolean } = {},
): Promise<string[]> {
  const { store, index } = archive.backends;
  const id = document.recording_id;
  const keys = [`${id}/recording.json`, `${id}/meeting.json`];
  for (const file of document.files) {
    keys.push(`${id}/${file.s3_url.split("/").at(-1)}`, `${id}/${file.recording_type}.json`);
  }
  for (const key of keys)
    await store.put(key, `content of ${key}`, { contentType: "application/octet-stream" });
  const docKey = `${id}/recording_document.json`;
  await store.put(docKey, `${JSON.stringify(document, null, 2)}\n`, { contentType: "application/json" });
  if (options.index ?? true) await index.put(document);
  return [...keys, docKey].sort();
}
