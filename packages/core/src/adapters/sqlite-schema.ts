/**
 * The SQLite index's table, its secondary indexes and its row, shared by the index (sqlite-index.ts) and
 * the new file rebuild-db builds (sqlite-index-build.ts). No better-sqlite3 here: SQL text and plain
 * functions only.
 */
import type { RecordingDocument } from "../recording/document.js";

/** The table layout these statements write, kept in `PRAGMA user_version`; 0 means a new, empty file. */
export const SQLITE_INDEX_SCHEMA_VERSION = 1;

export const TABLE = `
  CREATE TABLE IF NOT EXISTS recordings (
    recording_id TEXT PRIMARY KEY,
    organization TEXT,
    meeting_topic TEXT,
    recording_path TEXT,
    start_time TEXT,
    document TEXT NOT NULL
  );
`;

/** What `list` filters and sorts on. A bulk build creates them after its rows: one sort, not a b-tree insert per row. */
export const SECONDARY_INDEXES = `
  CREATE INDEX IF NOT EXISTS recordings_organization ON recordings (organization);
  CREATE INDEX IF NOT EXISTS recordings_recording_path ON recordings (recording_path);
  CREATE INDEX IF NOT EXISTS recordings_start_time ON recordings (start_time);
`;

const COLUMNS = "recording_id, organization, meeting_topic, recording_path, start_time, document";

const ON_CONFLICT = `
  ON CONFLICT (recording_id) DO UPDATE SET
    organization = excluded.organization,
    meeting_topic = excluded.meeting_topic,
    recording_path = excluded.recording_path,
    start_time = excluded.start_time,
    document = excluded.document
`;

/** Inserts or replaces one row; values by position, in the order of {@link rowOf}. */
export const UPSERT = `INSERT INTO recordings (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ${ON_CONFLICT}`;

/**
 * Upserts the rows of the attached database `build` whose rowid is in (?, ?]: a finished build merged
 * into an index that exists, a slice per transaction. (`WHERE` also tells SQLite's parser that
 * `ON CONFLICT` belongs to the INSERT, not to a join.)
 */
export const MERGE_FROM_BUILD = `INSERT INTO main.recordings (${COLUMNS})
  SELECT ${COLUMNS} FROM build.recordings WHERE rowid > ? AND rowid <= ? ${ON_CONFLICT}`;

export type RowValues = [string, string | null, string | null, string | null, string | null, string];

/** The row of `document`: the columns `list` filters on, then the whole document as JSON. */
export function rowOf(document: RecordingDocument): RowValues {
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  return [
    document.recording_id,
    text(document.organization),
    text(document.meeting_topic),
    text(document.recording_path),
    text(document.start_time),
    JSON.stringify(document),
  ];
}
