/**
 * The zod schema of a recording event (`recording.completed`, `recording.transcript_completed`): the
 * fields zrec reads, each of the type it reads it as. Objects are loose: Zoom adds fields over time, and
 * the event is stored whole as `{id}/recording.json`, so a field zrec does not know is kept, not
 * dropped. Built once, at module scope: the webhook must answer Zoom within 3 seconds.
 */
import * as z from "../config/zod.js";

export const RECORDING_EVENTS = ["recording.completed", "recording.transcript_completed"] as const;

/** Every error phrase completes `"<field>" is …, not …`: see plainSentence in validation/issues.ts. */
const text = () => z.string({ error: "a string" });
const number = () => z.number({ error: "a number" });

const recordingFileSchema = z.looseObject(
  {
    id: text().optional(),
    meeting_id: text().optional(),
    recording_start: text().optional(),
    recording_end: text().optional(),
    file_type: text().optional(),
    file_extension: text().optional(),
    file_size: number().optional(),
    play_url: text().optional(),
    download_url: text().optional(),
    status: text().optional(),
    recording_type: text().optional(),
  },
  { error: "an object" },
);

const meetingSchema = z.looseObject(
  {
    uuid: text(),
    id: number(),
    topic: text(),
    account_id: text().optional(),
    host_id: text().optional(),
    start_time: text().optional(),
    timezone: text().optional(),
    password: text().optional(),
    duration: number().optional(),
    type: number().optional(),
    recording_files: z.array(recordingFileSchema, { error: "a list" }),
  },
  { error: "an object" },
);

export const recordingEventSchema = z.looseObject(
  {
    event: z.enum(RECORDING_EVENTS, { error: "a recording event's name" }),
    event_ts: number().optional(),
    download_token: text().optional(),
    payload: z.looseObject({ account_id: text().optional(), object: meetingSchema }, { error: "an object" }),
  },
  { error: "a JSON object" },
);
