/**
 * What a recording page shows beyond its document: the transcript, the chat and the host's name, read
 * from the store beside the recording.
 */
import type { ObjectStore } from "../ports.js";
import type { RecordingDocument } from "../recording/document.js";
import type { RecordingExtras } from "./pages.js";
import { chatFile, fileKey, transcriptFile } from "./recording-view.js";
import { parseChat, parseTranscript } from "./transcript.js";

/** A transcript or chat bigger than this is not a real one; the page is built without it. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

async function readText(store: ObjectStore, key: string): Promise<string | undefined> {
  const info = await store.head(key);
  if (!info || info.size > MAX_TEXT_BYTES) return undefined;
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

/** The transcript, chat and host's name of a recording, from the store; what is missing is left out. */
export async function loadExtras(store: ObjectStore, doc: RecordingDocument): Promise<RecordingExtras> {
  const transcript = transcriptFile(doc);
  const chat = chatFile(doc);
  const [vtt, chatText, pastMeeting] = await Promise.all([
    transcript ? readText(store, fileKey(doc, transcript)) : undefined,
    chat ? readText(store, fileKey(doc, chat)) : undefined,
    // A webinar's past instance is stored under its own name (ingest-metadata).
    readText(store, `${doc.recording_id}/past_meeting.json`).then(
      (text) => text ?? readText(store, `${doc.recording_id}/past_webinar.json`),
    ),
  ]);
  let hostName: string | undefined;
  try {
    const name = pastMeeting ? (JSON.parse(pastMeeting) as { user_name?: unknown }).user_name : undefined;
    if (typeof name === "string" && name.trim() !== "" && name.length <= 200) hostName = name;
  } catch {
    // An unreadable past_meeting.json only costs the host's name.
  }
  return {
    cues: vtt ? parseTranscript(vtt) : [],
    chat: chatText ? parseChat(chatText) : [],
    ...(hostName === undefined ? {} : { hostName }),
  };
}
