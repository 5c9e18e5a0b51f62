/**
 * The embedded recording index: one SQLite file, one row per recording_id holding the whole document
 * as JSON, plus the columns `list` filters and sorts on.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import type { ListFilter, RecordingIndex } from "../ports.js";
import { type RecordingDocument, sameRevision } from "../recording/document.js";
import { makeFolderSync } from "./fs-write.js";
import {
  type RowValues,
  rowOf,
  SECONDARY_INDEXES,
  SQLITE_INDEX_SCHEMA_VERSION,
  TABLE,
  UPSERT,
} from "./sqlite-schema.js";

export { SQLITE_INDEX_SCHEMA_VERSION } from "./sqlite-schema.js";

export interface SqliteIndexOptions {
  /** The database file; its folder is created when missing. `:memory:` keeps the index in memory. */
  path: string;
}

interface Row {
  recording_id: string;
  organization: string | null;
  meeting_topic: string | null;
  recording_path: string | null;
  start_time: string | null;
  document: string;
}

type Fail = (action: string, cause: unknown, suggestion?: string) => BackendError;

/** The BackendError of the index `description` (`SQLite /srv/zrec-data/index.db`) for a failed `action`. */
export function indexFailure(description: string): Fail {
  return (action, cause, suggestion) =>
    new BackendError(ErrorCode.INDEX_FAILED, `${description}: ${action} failed: ${messageOf(cause)}`, {
      cause,
      ...(suggestion === undefined ? {} : { suggestion }),
    });
}

/**
 * Opens (creating when needed) the SQLite index at `path`. The file is opened at once, so a path that
 * is not a zrec index fails here rather than in the middle of an ingest.
 * @example
 * const index = createSqliteIndex({ path: "./zrec-data/index.db" });
 * await index.put(document);
 * const recent = await index.list({ organization: "folio", limit: 20 });
 * await index.close?.();
 */
export function createSqliteIndex(options: SqliteIndexOptions): RecordingIndex {
  const description = `SQLite ${options.path}`;
  // 100,000 documents in batches of 1,000 spent most of their time in the WAL checkpoints after
  // commits (each syncs the file); batches of 10,000 took 40% less (issue #18, BENCHMARKS.md).
  return recordingIndexOn(openIndexDatabase(options.path, description), description, 10_000);
}

/**
 * Opens (creating when needed) the index database at `file` as every connection to a live index does:
 * WAL, a busy timeout, the schema created and its version checked.
 * @throws BackendError (INDEX_FAILED) when the file cannot be opened or is not a zrec index.
 */
export function openIndexDatabase(file: string, description: string): Database.Database {
  const fail = indexFailure(description);
  let db: Database.Database;
  try {
    if (file !== ":memory:") makeFolderSync(path.dirname(path.resolve(file)));
    db = new Database(file);
  } catch (error) {
    throw fail("opening the index", error);
  }
  try {
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    checkSchemaVersion(db, description);
    db.transaction(() => {
      db.exec(TABLE + SECONDARY_INDEXES);
      db.pragma(`user_version = ${SQLITE_INDEX_SCHEMA_VERSION}`);
    })();
  } catch (error) {
    db.close();
    throw error instanceof BackendError
      ? error
      : fail(
          "opening the index",
          error,
          "Point index.path at a zrec index file, or move this file away and run `zrec rebuild-db` to recreate it.",
        );
  }
  return db;
}

/** Refuses a file written by a newer zrec, whose rows this one might misread or overwrite. */
function checkSchemaVersion(db: Database.Database, description: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SQLITE_INDEX_SCHEMA_VERSION) {
    throw new BackendError(
      ErrorCode.INDEX_FAILED,
      `${description}: the index has schema version ${version}, newer than this zrec understands (${SQLITE_INDEX_SCHEMA_VERSION}).`,
      { suggestion: "Upgrade zrec, or point index.path at another file." },
    );
  }
}

/**
 * The index's reads and writes on `db`, an open database holding the recordings table (a live index,
 * or a new file rebuild-db is building), with the `putMany` size a bulk write should use. `close`
 * closes `db`.
 */
export function recordingIndexOn(
  db: Database.Database,
  description: string,
  bulkBatchSize: number,
): RecordingIndex {
  const fail = indexFailure(description);
  // SQLite's lower() folds ASCII only; topics are often not ASCII (`Café Über`).
  db.function("zrec_fold", { deterministic: true }, (text: unknown) =>
    typeof text === "string" ? text.toLowerCase() : null,
  );

  // Positional, in the column order of UPSERT: binding by name looks up each name on every row.
  const upsert = db.prepare<RowValues>(UPSERT);
  const selectOne = db.prepare<[string], Pick<Row, "document">>(
    "SELECT document FROM recordings WHERE recording_id = ?",
  );
  const deleteOne = db.prepare<[string]>("DELETE FROM recordings WHERE recording_id = ?");

  // Immediate: the write lock is taken before the read, so no other process writes in between.
  const replaceIf = db.transaction((document: RecordingDocument, expected: RecordingDocument | undefined) => {
    const row = selectOne.get(document.recording_id);
    const found = row === undefined ? undefined : parse(document.recording_id, row.document);
    if (!sameRevision(found, expected)) return false;
    upsert.run(...rowOf(document));
    return true;
  });

  let current: string | undefined;
  const putAll = db.transaction((documents: RecordingDocument[]) => {
    for (const document of documents) {
      current = document.recording_id;
      upsert.run(...rowOf(document));
    }
  });

  function parse(recordingId: string, text: string): RecordingDocument {
    try {
      return JSON.parse(text) as RecordingDocument;
    } catch (error) {
      throw fail(`reading recording ${recordingId}`, error, "Run `zrec rebuild-db` to rewrite the index.");
    }
  }

  return {
    description,
    bulkBatchSize,

    async put(document) {
      try {
        upsert.run(...rowOf(document));
      } catch (error) {
        throw fail(`writing recording ${document.recording_id}`, error);
      }
    },

    async replaceIf(document, expected) {
      try {
        return replaceIf.immediate(document, expected);
      } catch (error) {
        throw fail(`writing recording ${document.recording_id}`, error);
      }
    },

    async putMany(documents) {
      current = undefined;
      try {
        putAll(documents);
      } catch (error) {
        // The transaction rolled back: none of this batch is written.
        const which = current === undefined ? "" : ` (at recording ${current})`;
        throw fail(`writing ${documents.length} recordings${which}`, error);
      }
    },

    async get(recordingId) {
      let row: Pick<Row, "document"> | undefined;
      try {
        row = selectOne.get(recordingId);
      } catch (error) {
        throw fail(`reading recording ${recordingId}`, error);
      }
      return row === undefined ? undefined : parse(recordingId, row.document);
    },

    async list(filter: ListFilter = {}) {
      const { sql, params } = listQuery(filter);
      let rows: Pick<Row, "recording_id" | "document">[];
      try {
        rows = db.prepare<unknown[], Pick<Row, "recording_id" | "document">>(sql).all(...params);
      } catch (error) {
        throw fail("listing recordings", error);
      }
      return rows.map((row) => parse(row.recording_id, row.document));
    },

    async delete(recordingId) {
      try {
        deleteOne.run(recordingId);
      } catch (error) {
        throw fail(`deleting recording ${recordingId}`, error);
      }
    },

    async close() {
      if (db.open) db.close();
    },
  };
}

function listQuery(filter: ListFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.organization !== undefined) {
    // `--organization folio` finds FOLIO, as `--topic` ignores case.
    where.push("zrec_fold(organization) = ?");
    params.push(filter.organization.toLowerCase());
  }
  if (filter.since !== undefined) {
    // ISO 8601 UTC strings sort as text, and a bare date sorts before every time of that day.
    where.push("start_time >= ?");
    params.push(filter.since);
  }
  if (filter.topic !== undefined && filter.topic !== "") {
    where.push("instr(zrec_fold(meeting_topic), ?) > 0");
    params.push(filter.topic.toLowerCase());
  }
  let sql = "SELECT recording_id, document FROM recordings";
  if (where.length > 0) sql += ` WHERE ${where.join(" AND ")}`;
  sql += " ORDER BY start_time DESC, recording_id";
  if (filter.limit !== undefined) {
    sql += " LIMIT ?";
    params.push(Math.max(0, Math.floor(filter.limit)));
  }
  return { sql, params };
}
