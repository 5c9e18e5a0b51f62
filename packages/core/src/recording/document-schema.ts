/**
 * The zod schema of a recording document (DESIGN.md's table), and the sentence a DocumentError says.
 * The older system's fields are required, in the order it wrote them; zrec's newer fields are optional
 * and type-checked when present. Objects are loose: a field neither system knows is kept as it is, not
 * dropped, since a document is read and written back (reindex, rebuild-db) and must not lose anything.
 *
 * Built once, on first use: the plain checks of document-check.ts answer for the documents that are
 * valid, so a run that meets none that is not never builds it. Building it at load cost every command
 * that imports the archive entry (`list`, `get`, rebuild-db) 3-7 ms of start-up (issue #18).
 */
import * as z from "../config/zod.js";
import { isRecordingId } from "../zoom/ids.js";

/**
 * The actions a disposition may name: purge-old deletes on `delete` and never touches `keep` or
 * `unpublish`; the site builder leaves `unpublish` recordings out (they stay archived). Anything else is
 * refused when a document is read in, because a misspelt `delete` would never be purged.
 */
export const DISPOSITION_ACTIONS = ["delete", "keep", "unpublish"] as const;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Every error phrase completes "… should be": see sentenceOf in document.ts. */
const text = () => z.string({ error: "a string" });
const number = () => z.number({ error: "a number" });

/** A real day of the calendar, written YYYY-MM-DD (2025-02-30 is not one). */
export function isCalendarDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The document's schema, and those of a file entry and a disposition inside it. */
export type DocumentSchemas = ReturnType<typeof buildSchemas>;

let built: DocumentSchemas | undefined;

/**
 * The schemas, built the first time they are asked for.
 * @example
 * const result = documentSchemas().document.safeParse(value);
 */
export function documentSchemas(): DocumentSchemas {
  built ??= buildSchemas();
  return built;
}

function buildSchemas() {
  const disposition = z.looseObject(
    {
      action: z.enum(DISPOSITION_ACTIONS, {
        error: `one of ${DISPOSITION_ACTIONS.map((action) => JSON.stringify(action)).join(", ")}`,
      }),
      after: text().refine(isCalendarDate, { error: "a date written YYYY-MM-DD" }),
    },
    { error: "an object" },
  );

  const file = z.looseObject(
    {
      recording_type: text(),
      s3_url: text(),
      etag: text(),
      zoom_file_size: z.number({ error: "a number or null" }).nullable(),
      mime_type: text(),
      // zrec's newer fields.
      key: text().optional(),
      size: number().optional(),
      sha256: text().optional(),
      file_type: text().optional(),
      recording_start: text().optional(),
      recording_end: text().optional(),
      zoom_file_id: text().optional(),
    },
    { error: "an object" },
  );

  const document = z.looseObject(
    {
      recording_id: text().refine(isRecordingId, {
        error: "a canonical lower-case UUID (like 0a7203ad-04ac-45d8-bd6d-6a778f226c65)",
      }),
      recording_path: text(),
      meeting_uuid: text(),
      parent_meeting_uuid: text(),
      organization: text(),
      meeting_id: number(),
      meeting_topic: text(),
      start_time: text(),
      end_time: text(),
      password: text(),
      host_id: text(),
      // The older system left `files` out of a recording with none; validateDocument gives readers an
      // empty list (there, not by a zod transform here, which made every parse ten times slower).
      files: z.array(file, { error: "a list" }).nullish(),
      // zrec's newer fields.
      schema_version: number().optional(),
      ingested_at: text().optional(),
      zoom_account: text().optional(),
      disposition: disposition.optional(),
      zoom_trashed_at: text().optional(),
    },
    { error: "a JSON object" },
  );
  return { document, file, disposition };
}
