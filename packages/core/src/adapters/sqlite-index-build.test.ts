import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describeRecordingIndex, indexedDocument, inTempFolder } from "@zrec/test-utils/conformance";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createIndex } from "./factory.js";
import { createSqliteIndex, SQLITE_INDEX_SCHEMA_VERSION } from "./sqlite-index.js";
import { createSqliteIndexBuild } from "./sqlite-index-build.js";

const doc = indexedDocument;

// Until it is closed, a build is an index like any other to its writer.
describeRecordingIndex("SQLite, a new file being built", () =>
  inTempFolder((folder) => {
    const index = createSqliteIndexBuild({ path: path.join(folder, "index.db") });
    return { index, close: async () => index.close?.() };
  }),
);

let dir: string;
let dbPath: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "zrec-sqlite-build-"));
  dbPath = path.join(dir, "index.db");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The inode of the build's file in `dir`: the index's own after a link, another after a merge. */
async function buildInode(): Promise<number> {
  const names = (await readdir(dir)).filter((name) => /^index\.db\.rebuild-\d+-[0-9a-f]+$/.test(name));
  expect(names).toHaveLength(1);
  return (await stat(path.join(dir, names[0] ?? ""))).ino;
}

/** What a reader opening `file` finds: its rows, mode, version and secondary indexes. */
function inspect(file: string) {
  const raw = new Database(file, { readonly: true });
  try {
    return {
      ids: raw.prepare("SELECT recording_id FROM recordings ORDER BY recording_id").pluck().all() as string[],
      journalMode: raw.pragma("journal_mode", { simple: true }),
      version: raw.pragma("user_version", { simple: true }),
      indexes: raw
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'recordings_%' ORDER BY name",
        )
        .pluck()
        .all(),
      integrity: raw.pragma("integrity_check", { simple: true }),
    };
  } finally {
    raw.close();
  }
}

describe("createSqliteIndexBuild", () => {
  it("puts nothing at the path until closed, then a whole index in WAL mode, and leaves no other file", async () => {
    const index = createSqliteIndexBuild({ path: dbPath });
    expect(index.description).toBe(`SQLite ${dbPath}`);
    await index.putMany([doc(2), doc(1)]);
    await index.putMany([doc(3, { meeting_topic: "Third" })]);
    expect(existsSync(dbPath)).toBe(false);
    const built = await buildInode();

    await index.close?.();
    await index.close?.();

    expect((await stat(dbPath)).ino).toBe(built);

    expect(await readdir(dir)).toEqual(["index.db"]);
    expect(inspect(dbPath)).toEqual({
      ids: [doc(1), doc(2), doc(3)].map((d) => d.recording_id),
      journalMode: "wal",
      version: SQLITE_INDEX_SCHEMA_VERSION,
      indexes: ["recordings_organization", "recordings_recording_path", "recordings_start_time"],
      integrity: "ok",
    });
    const reopened = createSqliteIndex({ path: dbPath });
    try {
      expect(await reopened.get(doc(3).recording_id)).toEqual(doc(3, { meeting_topic: "Third" }));
      expect((await reopened.list({ organization: "OTHER" })).length).toBe(3);
    } finally {
      await reopened.close?.();
    }
  });

  it("leaves an empty index when nothing was written", async () => {
    await createSqliteIndexBuild({ path: dbPath }).close?.();
    expect(inspect(dbPath).ids).toEqual([]);
  });

  it("merges into an index another process made meanwhile, keeping its other rows and its job table", async () => {
    const index = createSqliteIndexBuild({ path: dbPath });
    await index.putMany([doc(1, { meeting_topic: "From the store" }), doc(2)]);
    // An ingest (or a `zrec serve`, whose job queue shares the file) got there first.
    const other = createSqliteIndex({ path: dbPath });
    await other.put(doc(1, { meeting_topic: "Older row" }));
    await other.put(doc(9));
    await other.close?.();
    const raw = new Database(dbPath);
    raw.exec("CREATE TABLE jobs (id TEXT PRIMARY KEY); INSERT INTO jobs VALUES ('job-1')");
    raw.close();

    await index.close?.();

    expect(inspect(dbPath).ids).toEqual([doc(1), doc(2), doc(9)].map((d) => d.recording_id));
    const live = createSqliteIndex({ path: dbPath });
    try {
      expect((await live.get(doc(1).recording_id))?.meeting_topic).toBe("From the store");
    } finally {
      await live.close?.();
    }
    const jobs = new Database(dbPath, { readonly: true });
    expect(jobs.prepare("SELECT id FROM jobs").pluck().all()).toEqual(["job-1"]);
    jobs.close();
    expect((await readdir(dir)).filter((name) => name.includes(".rebuild-"))).toEqual([]);
  });

  it("does not link the new file beside a WAL left by a lost index, which SQLite would play into it", async () => {
    const index = createSqliteIndexBuild({ path: dbPath });
    await index.putMany([doc(1)]);
    // An empty WAL is harmless to open; what matters is that its presence stops the link.
    await writeFile(`${dbPath}-wal`, "");
    const built = await buildInode();
    await index.close?.();
    expect((await stat(dbPath)).ino).not.toBe(built);
    expect(inspect(dbPath).ids).toEqual([doc(1).recording_id]);
  });

  it("removes the files of a build whose process is gone, and keeps a running one's", async () => {
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    const deadPid = Number(gone.stdout.toString());
    const abandoned = [`index.db.rebuild-${deadPid}-0badf00d`, `index.db.rebuild-${deadPid}-0badf00d-wal`];
    const running = `index.db.rebuild-${process.ppid}-00c0ffee`;
    for (const name of [...abandoned, running, "index.db.rebuild-notes.txt"]) {
      await writeFile(path.join(dir, name), "");
    }

    const index = createSqliteIndexBuild({ path: dbPath });
    await index.close?.();

    expect((await readdir(dir)).sort()).toEqual(["index.db", running, "index.db.rebuild-notes.txt"].sort());
  });
});

describe("createIndex for a rebuild", () => {
  const config = (file: string) => ({ type: "sqlite" as const, path: file });

  it("builds a new file when no index exists, and opens an existing one in place", async () => {
    const built = await createIndex(config(dbPath), { rebuildingIndex: true });
    await built.put(doc(1));
    expect(existsSync(dbPath)).toBe(false);
    await built.close?.();

    const inPlace = await createIndex(config(dbPath), { rebuildingIndex: true });
    await inPlace.put(doc(2));
    // Written through at once: the live index is shared with other processes.
    expect(inspect(dbPath).ids).toEqual([doc(1), doc(2)].map((d) => d.recording_id));
    await inPlace.close?.();
  });
});
