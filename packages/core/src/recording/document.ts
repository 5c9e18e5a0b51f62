/**
 * The recording document: what `{id}/recording_document.json` holds and what the index stores per row.
 * Field names are the older system's and must not change; new fields are optional so that documents
 * it wrote stay valid.
 */
import { createHash } from "node:crypto";
import { DocumentError } from "../errors.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../json-depth.js";
import { isRecordingId } from "../zoom/ids.js";

/**
 * The actions a disposition may name: purge-old deletes on `delete` and never touches `keep` or
 * `unpublish`; the site builder leaves `unpublish` recordings out (they stay archived). Anything else is
 * refused when a document is read in, because a misspelt `delete` would never be purged.
 */
const DISPOSITION_ACTIONS = ["delete", "keep", "unpublish"] as const;

export interface Disposition {
  /**
   * One of DISPOSITION_ACTIONS: "delete" is acted on by purge-old; "keep" protects from the age rule;
   * "unpublish" keeps the recording off the website from that date.
   */
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
  /** When zrec moved the recording to Zoom's trash; a re-run does not trash again. */
  zoom_trashed_at?: string;
  [extra: string]: unknown;
}

/** The schema_version zrec writes. Documents without one were written by the older system. */
export const SCHEMA_VERSION = 1;

/** The older system's required string fields, in the order it wrote them. */
const REQUIRED_STRINGS = [
  "recording_id",
  "recording_path",
  "meeting_uuid",
  "parent_meeting_uuid",
  "organization",
  "meeting_topic",
  "start_time",
  "end_time",
  "password",
  "host_id",
] as const;
const OPTIONAL_STRINGS = ["ingested_at", "zoom_account", "zoom_trashed_at"] as const;
const FILE_REQUIRED_STRINGS = ["recording_type", "s3_url", "etag", "mime_type"] as const;
const FILE_OPTIONAL_STRINGS = [
  "key",
  "sha256",
  "file_type",
  "recording_start",
  "recording_end",
  "zoom_file_id",
];
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Checks that `value` is a recording document a reader can rely on, and returns it normalised (a
 * document of the older system without `files` gets an empty list). Documents without zrec's new fields
 * are valid; where a new field is present, its type is checked. Values are never echoed in the error, so
 * a meeting password cannot end up in a log.
 *
 * @param source Names the document in the error: a file name or an object key.
 * @throws DocumentError naming the field at fault.
 * @example
 * const document = validateDocument(JSON.parse(text), "0a7203ad-…/recording_document.json");
 */
export function validateDocument(value: unknown, source?: string): RecordingDocument {
  const fail: Fail = (field, problem) => {
    const where = source === undefined ? "The recording document" : `The recording document ${source}`;
    throw new DocumentError(field, `${where} is not valid: "${field}" ${problem}.`);
  };
  if (!isObject(value)) return fail("(document)", `should be a JSON object but is ${describe(value)}`);
  // Documents are written back as JSON: JSON.stringify would overflow the stack on deep nesting.
  if (nestedDeeperThan(value, MAX_JSON_DEPTH))
    fail("(document)", `is nested more than ${MAX_JSON_DEPTH} levels deep`);

  for (const field of REQUIRED_STRINGS) requireType(value, field, "string", fail);
  requireType(value, "meeting_id", "number", fail);
  if (!isRecordingId(value.recording_id as string)) {
    fail("recording_id", "is not a canonical lower-case UUID (like 0a7203ad-04ac-45d8-bd6d-6a778f226c65)");
  }
  for (const field of OPTIONAL_STRINGS) optionalType(value, field, "string", fail);
  optionalType(value, "schema_version", "number", fail);
  if (value.disposition !== undefined) checkDisposition(value.disposition, fail);

  const files = value.files ?? [];
  if (!Array.isArray(files)) return fail("files", `should be a list but is ${describe(files)}`);
  for (const [index, file] of (files as unknown[]).entries()) {
    const prefix = `files[${index}]`;
    if (!isObject(file)) return fail(prefix, `should be an object but is ${describe(file)}`);
    const nested: Fail = (field, problem) => fail(`${prefix}.${field}`, problem);
    for (const field of FILE_REQUIRED_STRINGS) requireType(file, field, "string", nested);
    if (file.zoom_file_size !== null)
      requireType(file, "zoom_file_size", "number", nested, "a number or null");
    for (const field of FILE_OPTIONAL_STRINGS) optionalType(file, field, "string", nested);
    optionalType(file, "size", "number", nested);
  }
  return { ...value, files } as RecordingDocument;
}

/**
 * A fingerprint of the document's content: sha256 (hex) of its JSON with keys sorted at every level,
 * leaving out `ingested_at`, which changes on every run. Equal hashes mean nothing worth writing or
 * announcing changed.
 *
 * @example
 * if (documentContentHash(previous) === documentContentHash(next)) return; // nothing to do
 */
export function documentContentHash(doc: RecordingDocument): string {
  const { ingested_at: _ingestedAt, ...content } = doc;
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

/** JSON with object keys sorted, so two equal documents give the same bytes whatever their key order. */
function canonicalJson(value: unknown): string {
  const plain =
    isObject(value) && typeof value.toJSON === "function" ? (value.toJSON as () => unknown)() : value;
  if (Array.isArray(plain)) return `[${plain.map((item) => canonicalJson(item)).join(",")}]`;
  if (isObject(plain)) {
    const keys = Object.keys(plain)
      .filter((key) => plain[key] !== undefined && typeof plain[key] !== "function")
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(plain[key])}`).join(",")}}`;
  }
  // Like JSON.stringify inside an array: undefined and functions become null.
  return JSON.stringify(plain) ?? "null";
}

type Fail = (field: string, problem: string) => never;

function checkDisposition(disposition: unknown, fail: Fail): void {
  if (!isObject(disposition)) fail("disposition", `should be an object but is ${describe(disposition)}`);
  const nested: Fail = (field, problem) => fail(`disposition.${field}`, problem);
  const fields = disposition as Record<string, unknown>;
  requireType(fields, "action", "string", nested);
  if (!(DISPOSITION_ACTIONS as readonly unknown[]).includes(fields.action)) {
    // The one value worth quoting: an action name is no secret, and the typo is the news.
    const given =
      typeof fields.action === "string" && fields.action.length <= 20
        ? JSON.stringify(fields.action)
        : describe(fields.action);
    const allowed = DISPOSITION_ACTIONS.map((action) => JSON.stringify(action)).join(", ");
    nested("action", `should be one of ${allowed} but is ${given}`);
  }
  requireType(fields, "after", "string", nested);
  if (!isCalendarDate(fields.after as string)) nested("after", "should be a date written YYYY-MM-DD");
}

function requireType(
  record: Record<string, unknown>,
  field: string,
  type: "string" | "number",
  fail: Fail,
  expected = `a ${type}`,
): void {
  const value = record[field];
  if (value === undefined) fail(field, `is missing (it should be ${expected})`);
  if (typeof value !== type || (type === "number" && !Number.isFinite(value))) {
    fail(field, `should be ${expected} but is ${describe(value)}`);
  }
}

function optionalType(
  record: Record<string, unknown>,
  field: string,
  type: "string" | "number",
  fail: Fail,
): void {
  if (record[field] !== undefined) requireType(record, field, type, fail);
}

function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The kind of a value, never the value itself (it may be a password). */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "number" && !Number.isFinite(value)) return "not a finite number";
  const kind = typeof value;
  return kind === "object" ? "an object" : `a ${kind}`;
}
