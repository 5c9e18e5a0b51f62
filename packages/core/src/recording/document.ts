/**
 * The recording document: what `{id}/recording_document.json` holds and what the index stores per row.
 * Field names are the older system's and must not change; new fields are optional so that documents
 * it wrote stay valid.
 */
import { createHash } from "node:crypto";
import { DocumentError } from "../errors.js";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../json-depth.js";
import { isObject } from "../validation/is-object.js";
import { fieldPath, firstProblem, kindOf, type Problem } from "../validation/issues.js";
import { isKnownValidDocument } from "./document-check.js";
import { documentSchemas } from "./document-schema.js";

export { DISPOSITION_ACTIONS } from "./document-schema.js";

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
  const fail = (field: string, problem: string): never => {
    const where = source === undefined ? "The recording document" : `The recording document ${source}`;
    throw new DocumentError(field, `${where} is not valid: "${field}" ${problem}.`);
  };
  if (!isObject(value)) return fail("(document)", `should be a JSON object but is ${kindOf(value)}`);
  // Documents are written back as JSON: JSON.stringify would overflow the stack on deep nesting.
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    return fail("(document)", `is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  // The input's own fields in its own order, not zod's copy: a document is written back, and reindex
  // must not rewrite one whose content did not change.
  const valid = () => ({ ...value, files: value.files ?? [] }) as RecordingDocument;
  // The common case without zod's parse, which is slow cold (document-check.ts); zod has the last word.
  if (isKnownValidDocument(value)) return valid();
  const result = documentSchemas().document.safeParse(value);
  if (result.success) return valid();
  const first = firstProblem(result.error.issues, value, { showValueAt: isDispositionAction });
  if (first === undefined) return fail("(document)", "is not a recording document");
  return fail(fieldPath(first.problem.path) || "(document)", problemText(first.problem));
}

/** The one value worth quoting: an action name is no secret, and the typo is the news. */
const isDispositionAction = (path: readonly PropertyKey[]) =>
  path.length === 2 && path[0] === "disposition" && path[1] === "action";

/** What follows the field's name: `is missing (it should be a string)`, `should be a number but is null`. */
function problemText({ kind, expected, found, shown }: Problem): string {
  if (kind === "missing") return `is missing (it should be ${expected})`;
  // A failed check on a value of the right kind: its kind alone ("but is a string") would say nothing.
  if (kind === "value" && !shown) return `should be ${expected}`;
  return `should be ${expected} but is ${found}`;
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

/**
 * Whether two reads of a recording's row are the same revision: both absent, or the same `ingested_at`
 * and `zoom_trashed_at` (an ingest that changes the document sets the first, its trash the second).
 * What `RecordingIndex.replaceIf` compares.
 */
export function sameRevision(
  a: Pick<RecordingDocument, "ingested_at" | "zoom_trashed_at"> | undefined,
  b: Pick<RecordingDocument, "ingested_at" | "zoom_trashed_at"> | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.ingested_at === b.ingested_at && a.zoom_trashed_at === b.zoom_trashed_at;
}
