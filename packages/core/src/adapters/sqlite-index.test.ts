import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackendError } from "../errors.js";
import type { RecordingIndex } from "../ports.js";
import type { RecordingDocument } from "../recording/document.js";
import { createSqliteIndex, SQLITE_INDEX_SCHEMA_VERSION } from "./sqlite-index.js";

function doc(n: number, overrides: Partial<RecordingDocument> = {}): RecordingDocument {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return {
    recording_id: id,
    recording_path: `other/meeting-${n}/2024-01-01T10:00`,
    meeting_uuid: `uuid-${n}==`,
    parent_meeting_uuid: `parent-${n}==`,
    meeting_id: 8_000_000_000 + n,
    meeting_topic: `Meeting ${n}`,
    password: "",
    host_id: "host",
    organization: "other",
    start_time: `2024-01-01T${String(n % 24).padStart(2, "0")}:00:00Z`,
    end_time: "2024-01-01T23:59:00Z",
    files: [],
    ...overrides,
  };
}

let dir: string;
let dbPath: string;
let index: RecordingIndex;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "zrec-sqlite-"));
  dbPath = path.join(dir, "nested", "index.db");
  index = createSqliteIndex({ path: dbPath });
});
afterEach(async () => {
  await index.close?.();
  await rm(dir, { recursive: true, force: true });
});

describe("createSqliteIndex", () => {
  it("round-trips a document, unicode and extra fields included", async () => {
    const document = doc(1, {
      meeting_topic: "Café Über Straße — FOLIO weekly 🎥",
      recording_path: "folio/café-über-straße-weekly/2024-01-01T10:00",
      disposition: { action: "delete", after: "2025-01-31" },
      files: [
        {
          recording_type: "audio_only",
          s3_url: "file:///x",
          etag: '"abc"',
          zoom_file_size: null,
          mime_type: "audio/m4a",
        },
      ],
      future_field: { nested: [1, 2, 3] },
    });
    await index.put(document);
    expect(await index.get(document.recording_id)).toEqual(document);
    expect(await index.get("not-there")).toBeUndefined();
    expect(index.description).toBe(`SQLite ${dbPath}`);
  });

  it("keeps one row per recording_id", async () => {
    await index.put(doc(1));
    await index.put(doc(1, { meeting_topic: "Renamed" }));
    await index.putMany([doc(1, { meeting_topic: "Renamed again" }), doc(1, { meeting_topic: "Last" })]);
    const all = await index.list();
    expect(all).toHaveLength(1);
    expect(all[0]?.meeting_topic).toBe("Last");
  });

  it("writes 1000 documents in one putMany", async () => {
    const documents = Array.from({ length: 1000 }, (_, i) => doc(i));
    await index.putMany(documents);
    expect(await index.list()).toHaveLength(1000);
    expect(await index.get(documents[999]?.recording_id ?? "")).toEqual(documents[999]);
  });

  it("lists newest first, filtered by organization, start time and topic", async () => {
    await index.putMany([
      doc(1, {
        organization: "folio",
        meeting_topic: "FOLIO Sys Ops SIG",
        start_time: "2024-03-01T15:00:00Z",
      }),
      doc(2, {
        organization: "folio",
        meeting_topic: "FOLIO Café planning",
        start_time: "2024-05-01T15:00:00Z",
      }),
      doc(3, { organization: "olf", meeting_topic: "OLF board", start_time: "2024-04-01T15:00:00Z" }),
      doc(4, { organization: "other", meeting_topic: "100% CAFÉ_talk", start_time: "2023-12-31T23:00:00Z" }),
    ]);
    const ids = (docs: RecordingDocument[]) => docs.map((d) => Number(d.recording_id.slice(-4)));
    expect(ids(await index.list())).toEqual([2, 3, 1, 4]);
    expect(ids(await index.list({ organization: "folio" }))).toEqual([2, 1]);
    expect(ids(await index.list({ since: "2024-04-01" }))).toEqual([2, 3]);
    expect(ids(await index.list({ since: "2024-04-01T15:00:00Z" }))).toEqual([2, 3]);
    expect(ids(await index.list({ topic: "café" }))).toEqual([2, 4]);
    expect(ids(await index.list({ topic: "sys ops" }))).toEqual([1]);
    expect(ids(await index.list({ topic: "%" }))).toEqual([4]);
    expect(ids(await index.list({ topic: "_" }))).toEqual([4]);
    expect(ids(await index.list({ limit: 2 }))).toEqual([2, 3]);
    expect(
      ids(await index.list({ organization: "folio", since: "2024-04-01", topic: "CAFÉ", limit: 5 })),
    ).toEqual([2]);
  });

  it("deletes a row, and deleting a missing one is fine", async () => {
    await index.put(doc(1));
    await index.delete(doc(1).recording_id);
    await index.delete(doc(1).recording_id);
    expect(await index.get(doc(1).recording_id)).toBeUndefined();
  });

  it("keeps the data across a reopen, in WAL mode with the schema version set", async () => {
    await index.put(doc(7));
    await index.close?.();
    await index.close?.();
    index = createSqliteIndex({ path: dbPath });
    expect(await index.get(doc(7).recording_id)).toEqual(doc(7));

    const raw = new Database(dbPath, { readonly: true });
    try {
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(raw.pragma("user_version", { simple: true })).toBe(SQLITE_INDEX_SCHEMA_VERSION);
    } finally {
      raw.close();
    }
  });

  it("refuses a file that is not a database with a clear BackendError", async () => {
    const notDb = path.join(dir, "notes.db");
    await writeFile(notDb, "these are my notes, not an index\n".repeat(200));
    const error = (() => {
      try {
        createSqliteIndex({ path: notDb });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "INDEX_FAILED" });
    expect((error as Error).message).toBe(
      `SQLite ${notDb}: opening the index failed: file is not a database`,
    );
  });

  it("refuses an index written by a newer zrec", async () => {
    await index.close?.();
    const raw = new Database(dbPath);
    raw.pragma(`user_version = ${SQLITE_INDEX_SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => createSqliteIndex({ path: dbPath })).toThrow(/newer than this zrec understands/);
  });

  it("names the database and the recording when a write fails", async () => {
    await index.close?.();
    await expect(index.put(doc(3))).rejects.toThrow(
      new RegExp(`^SQLite ${dbPath}: writing recording ${doc(3).recording_id} failed`),
    );
    await expect(index.putMany([doc(3)])).rejects.toThrow(BackendError);
  });
});
