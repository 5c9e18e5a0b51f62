/**
 * Recording folders as the older system left them, written straight to disk (its sync tool did not
 * fsync either): `{id}/recording_document.json` with exactly its fields, JSON as Python's indent=4, and
 * the recording's other objects beside it (tiny stand-ins: their bytes are never read by a rebuild,
 * but a per-folder listing sees them).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const BUCKET = "https://olf-zoom-recordings.s3.amazonaws.com";
const FILES = [
  ["audio_only", "m4a", "audio/m4a", 2183386],
  ["shared_screen_with_speaker_view", "mp4", "video/mp4", 2769300],
  ["timeline", "vtt", "text/vtt", null],
];

/** The i-th document: an hour after the one before, from 2021-01-01; the timeline has no size. */
export function legacyDocument(i, id = randomUUID()) {
  const start = new Date(Date.UTC(2021, 0, 1) + i * 3_600_000);
  return {
    recording_id: id,
    recording_path: `folio/sys-ops-management-sig/${start.toISOString().slice(0, 16)}`,
    meeting_uuid: randomBytes(16).toString("base64"),
    parent_meeting_uuid: randomBytes(16).toString("base64"),
    meeting_id: 7816381929 + (i % 1000),
    meeting_topic: `FOLIO Sys Ops & Management SIG ${i}`,
    password: "+6gCkMFr",
    host_id: "OU54QJ6tRoGM55Rlt8YiQg",
    organization: "FOLIO",
    start_time: start.toISOString().replace(".000Z", "Z"),
    end_time: new Date(start.getTime() + 3_000_000).toISOString().replace(".000Z", "Z"),
    files: FILES.map(([type, ext, mime, size]) => ({
      recording_type: type,
      s3_url: `${BUCKET}/${id}/${type}.${ext}`,
      etag: `"${randomBytes(16).toString("hex")}"`,
      zoom_file_size: size,
      mime_type: mime,
    })),
  };
}

/** Writes `count` recording folders under `root` (a folder store's root). */
export function writeLegacyFolders(root, count) {
  for (let i = 0; i < count; i++) {
    const document = legacyDocument(i);
    const folder = path.join(root, document.recording_id);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "recording_document.json"), JSON.stringify(document, null, 4));
    writeFileSync(path.join(folder, "recording.json"), "{}");
    for (const [type, ext] of FILES) writeFileSync(path.join(folder, `${type}.${ext}`), "");
  }
}
