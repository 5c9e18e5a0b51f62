/**
 * Fixtures for the site's tests: a recording as an ingest leaves it (document, index row, media,
 * Zoom's transcript and chat files, past_meeting.json), with the words and topic a test chooses.
 * Not part of the library.
 */
import type { Backends } from "../ports.js";
import type { RecordingDocument, RecordingFileEntry } from "../recording/document.js";
import { newMeetingUuid } from "../tasks/tasks.test-support.js";
import { SITE_JS } from "./assets.js";

export interface SeedOptions {
  topic: string;
  organization: string;
  start: string;
  minutes?: number;
  /** [seconds, "Speaker: words"] */
  said?: [number, string][];
  chat?: string;
  /** The player's file: video (default) or audio only. */
  media?: { bytes: Uint8Array | string; audioOnly?: boolean };
  hostName?: string;
  disposition?: RecordingDocument["disposition"];
}

function vttTime(seconds: number): string {
  const h = String(Math.floor(seconds / 3600)).padStart(2, "0");
  const m = String(Math.floor((seconds % 3600) / 60)).padStart(2, "0");
  const s = String(seconds % 60).padStart(2, "0");
  return `${h}:${m}:${s}.000`;
}

/** Zoom's transcript format: numbered cues, "Name: words". */
export function zoomVtt(said: [number, string][]): string {
  const cues = said.map(([at, text], i) => `${i + 1}\n${vttTime(at)} --> ${vttTime(at + 4)}\n${text}`);
  return `WEBVTT\n\n${cues.join("\n\n")}\n`;
}

/** Writes the recording's objects and index row; returns its document. */
export async function seedRecording(backends: Backends, options: SeedOptions): Promise<RecordingDocument> {
  const { uuid, recordingId: id } = newMeetingUuid();
  const { store, index } = backends;
  const files: RecordingFileEntry[] = [];
  const put = async (
    name: string,
    body: Uint8Array | string,
    mime: string,
    type: string,
    fileType: string,
  ) => {
    const stored = await store.put(`${id}/${name}`, body, { contentType: mime });
    files.push({
      recording_type: type,
      s3_url: stored.url,
      etag: stored.etag,
      zoom_file_size: stored.size,
      mime_type: mime,
      key: `${id}/${name}`,
      size: stored.size,
      file_type: fileType,
    });
  };
  const media = options.media ?? { bytes: "not really a video" };
  if (media.audioOnly) await put("audio_only.m4a", media.bytes, "audio/m4a", "audio_only", "M4A");
  else
    await put(
      "shared_screen_with_speaker_view.mp4",
      media.bytes,
      "video/mp4",
      "shared_screen_with_speaker_view",
      "MP4",
    );
  if (options.said)
    await put("audio_transcript.vtt", zoomVtt(options.said), "text/vtt", "audio_transcript", "TRANSCRIPT");
  if (options.chat !== undefined) await put("chat_file.txt", options.chat, "text/plain", "chat_file", "CHAT");
  await store.put(
    `${id}/past_meeting.json`,
    JSON.stringify({ uuid, user_name: options.hostName ?? "Ada Host" }),
    { contentType: "application/json" },
  );
  const end = new Date(Date.parse(options.start) + (options.minutes ?? 30) * 60_000).toISOString();
  const document: RecordingDocument = {
    recording_id: id,
    recording_path: `${options.organization.toLowerCase()}/x/${options.start.slice(0, 16)}`,
    meeting_uuid: uuid,
    parent_meeting_uuid: uuid,
    meeting_id: 1000 + files.length,
    meeting_topic: options.topic,
    password: "",
    host_id: "host-1",
    organization: options.organization,
    start_time: options.start,
    end_time: end.replace(".000Z", "Z"),
    files,
    ...(options.disposition ? { disposition: options.disposition } : {}),
  };
  await store.put(`${id}/recording_document.json`, JSON.stringify(document), {
    contentType: "application/json",
  });
  await index.put(document);
  return document;
}

/** A function of the site's script, lifted out by name (the script exposes nothing) for a test to run. */
export function siteScriptFunction(name: string): string {
  const found = SITE_JS.indexOf(`function ${name}(`);
  if (found < 0) throw new Error(`${name} not found in site.js`);
  const start = SITE_JS.slice(0, found).endsWith("async ") ? found - "async ".length : found;
  let depth = 0;
  for (let i = SITE_JS.indexOf("{", start); i < SITE_JS.length; i++) {
    if (SITE_JS[i] === "{") depth++;
    if (SITE_JS[i] === "}" && --depth === 0) return SITE_JS.slice(start, i + 1);
  }
  throw new Error(`${name} has no end in site.js`);
}
