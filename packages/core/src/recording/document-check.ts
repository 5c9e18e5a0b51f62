/**
 * A quick yes to "is this recording document valid?", for the documents that are: plain checks in one
 * function, in front of the zod schema (document-schema.ts). rebuild-db validates every document of an
 * archive in a process that lives a second or two, and zod's general-purpose parse, run cold, cost
 * about 20 µs a document (10,000 legacy documents: 190-470 ms; warm, 16 ms), most of it before the
 * JIT has caught up; these checks cost about 1 µs.
 *
 * It only ever says yes where the schema would: anything it is unsure of is "not known valid", and
 * validateDocument then asks zod, whose answer (and error sentence) is the one that counts. The
 * fields it knows are listed below; document-check.test.ts fails when the schema has other fields,
 * and tries wrong values in each field on both.
 */
import { isObject } from "../validation/is-object.js";
import { isRecordingId } from "../zoom/ids.js";
import { DISPOSITION_ACTIONS, isCalendarDate } from "./document-schema.js";

/** The document's fields: required strings, and the optional ones by kind. */
export const DOCUMENT_FIELDS = {
  strings: [
    "recording_path",
    "meeting_uuid",
    "parent_meeting_uuid",
    "organization",
    "meeting_topic",
    "start_time",
    "end_time",
    "password",
    "host_id",
  ],
  optionalStrings: ["ingested_at", "zoom_account", "zoom_trashed_at"],
  optionalNumbers: ["schema_version"],
  // And, checked by hand: recording_id, meeting_id, files, disposition.
  special: ["recording_id", "meeting_id", "files", "disposition"],
} as const;

/** A file entry's fields. */
export const FILE_FIELDS = {
  strings: ["recording_type", "s3_url", "etag", "mime_type"],
  optionalStrings: ["key", "sha256", "file_type", "recording_start", "recording_end", "zoom_file_id"],
  optionalNumbers: ["size"],
  // And, checked by hand: zoom_file_size, a number or null.
  special: ["zoom_file_size"],
} as const;

/**
 * True when `value` is certainly a valid recording document (the schema would accept it); false when
 * it may not be, and the schema must decide.
 * @example
 * if (!isKnownValidDocument(value)) documentSchemas().document.safeParse(value); // the error, in words
 */
export function isKnownValidDocument(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (!hasFields(value, DOCUMENT_FIELDS)) return false;
  const id = value.recording_id;
  if (typeof id !== "string" || !isRecordingId(id) || !isFiniteNumber(value.meeting_id)) return false;
  const { files, disposition } = value;
  if (files !== undefined && files !== null) {
    if (!Array.isArray(files)) return false;
    for (const file of files) {
      if (!isObject(file) || !hasFields(file, FILE_FIELDS)) return false;
      if (file.zoom_file_size !== null && !isFiniteNumber(file.zoom_file_size)) return false;
    }
  }
  if (disposition !== undefined) {
    if (!isObject(disposition)) return false;
    const { action, after } = disposition;
    if (!(DISPOSITION_ACTIONS as readonly unknown[]).includes(action)) return false;
    if (typeof after !== "string" || !isCalendarDate(after)) return false;
  }
  return true;
}

interface Fields {
  strings: readonly string[];
  optionalStrings: readonly string[];
  optionalNumbers: readonly string[];
}

function hasFields(value: Record<string, unknown>, fields: Fields): boolean {
  for (const name of fields.strings) if (typeof value[name] !== "string") return false;
  for (const name of fields.optionalStrings) {
    const field = value[name];
    if (field !== undefined && typeof field !== "string") return false;
  }
  for (const name of fields.optionalNumbers) {
    const field = value[name];
    if (field !== undefined && !isFiniteNumber(field)) return false;
  }
  return true;
}

/** zod's number: finite (neither NaN nor ±Infinity). */
function isFiniteNumber(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value);
}
