import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describeRecordingIndex, indexedDocument, inTempFolder } from "@zrec/test-utils/conformance";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackendError } from "../errors.js";
import type { RecordingIndex } from "../ports.js";
import { createSqliteIndex, SQLITE_INDEX_SCHEMA_VERSION } from "./sqlite-index.js";

const doc = indexedDocument;

describeRecordingIndex("SQLite", () =>
  inTempFolder((folder) => {
    const index = createSqliteIndex({ path: path.join(folder, "index.db") });
    return { index, close: async () => index.close?.() };
  }),
);

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
  it("names its file, and folds the organization's case when listing", async () => {
    expect(index.description).toBe(`SQLite ${dbPath}`);
    await index.putMany([doc(1, { organization: "FOLIO" }), doc(2, { organization: "olf" })]);
    expect((await index.list({ organization: "folio" })).map((d) => d.recording_id)).toEqual([
      doc(1).recording_id,
    ]);
  });

  it("writes 1000 documents in one putMany", async () => {
    const documents = Array.from({ length: 1000 }, (_, i) => doc(i));
    await index.putMany(documents);
    expect(await index.list()).toHaveLength(1000);
    expect(await index.get(documents[999]?.recording_id ?? "")).toEqual(documents[999]);
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
