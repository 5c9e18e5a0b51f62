/**
 * The SQLite index rebuild-db writes when no index file exists: a new file beside where the index
 * belongs, written as a private file (no WAL, no syncs, the secondary indexes made once at the end),
 * then synced and linked into place when closed. A crash or kill meanwhile leaves no index, as before
 * the rebuild, and a stray `.rebuild-` file the next build removes. Why not for an index that exists:
 * docs/decisions.md, "rebuild-db into a new file".
 *
 * better-sqlite3 is imported here directly, not only through sqlite-index.ts: the Lambda bundler leaves
 * out every dynamically imported module that imports it, and this one must be left out too.
 */
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { RecordingIndex } from "../ports.js";
import { hasCode, makeFolderSync, syncDirectory } from "./fs-write.js";
import { indexFailure, openIndexDatabase, recordingIndexOn } from "./sqlite-index.js";
import { MERGE_FROM_BUILD, SECONDARY_INDEXES, SQLITE_INDEX_SCHEMA_VERSION, TABLE } from "./sqlite-schema.js";

/**
 * Documents per `putMany` while building. Commits cost no sync here, so batches stay small: rebuild-db
 * holds a batch as parsed documents until it is written, and every young-generation collection copies
 * what is still held. 10,000 documents: 19 collections, 230-270 ms at 2,000 a batch; 21-22, 145-190 ms
 * at 500 or 200 (under load; idle, the steady-state ones take under a millisecond at 500).
 */
const BUILD_BATCH_SIZE = 500;

/** Rows per transaction when the build is merged into an index that appeared meanwhile. */
const MERGE_SLICE = 10_000;

export interface SqliteIndexBuildOptions {
  /** Where the index belongs. Nothing is there yet; the caller checked. */
  path: string;
}

/**
 * A RecordingIndex over a new file, put at `options.path` by `close()`: linked there when nothing is
 * there yet, else (another process made an index meanwhile, or the file system has no hard links)
 * its rows are upserted into the index found there, as rebuild-db would have written them.
 * @throws BackendError (INDEX_FAILED) when the new file cannot be made; `close` when it cannot be put in place.
 * @example
 * const index = createSqliteIndexBuild({ path: "/srv/zrec-data/index.db" });
 * await index.putMany(documents);
 * await index.close?.(); // now /srv/zrec-data/index.db holds them
 */
export function createSqliteIndexBuild(options: SqliteIndexBuildOptions): RecordingIndex {
  const target = path.resolve(options.path);
  const description = `SQLite ${options.path}`;
  const fail = indexFailure(description);
  const folder = path.dirname(target);
  const temp = `${target}.rebuild-${process.pid}-${randomBytes(4).toString("hex")}`;

  let db: Database.Database | undefined;
  try {
    makeFolderSync(folder);
    removeAbandonedBuilds(target);
    db = new Database(temp);
    // Nobody else may open this file before it is complete: exclusive, journal in memory (a failed
    // batch still rolls back), no syncs (the file is synced once, whole, before it is put in place).
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("journal_mode = MEMORY");
    db.pragma("synchronous = OFF");
    db.exec(TABLE);
    db.pragma(`user_version = ${SQLITE_INDEX_SCHEMA_VERSION}`);
  } catch (error) {
    db?.close();
    removeBuildFiles(temp);
    throw fail("creating a new index file", error);
  }
  const building = db;
  const index = recordingIndexOn(building, description, BUILD_BATCH_SIZE);

  let closed = false;
  return {
    ...index,
    async close() {
      if (closed) return;
      closed = true;
      try {
        try {
          building.exec(SECONDARY_INDEXES);
          // Born in the mode every connection to a live index sets, so the first reader need not
          // switch it (which takes the file exclusively). Closing removes the WAL of this switch.
          building.pragma("journal_mode = WAL");
          building.close();
          syncFile(temp);
        } catch (error) {
          throw fail("finishing the new index file", error);
        }
        if (!linkInPlace(temp, target)) mergeInto(target, temp, description);
        await syncDirectory(folder);
      } finally {
        if (building.open) building.close();
        removeBuildFiles(temp);
      }
    },
  };
}

/**
 * Links `temp` at `target`, which link(2) refuses to replace: an index another process made meanwhile
 * (an ingest, a second rebuild) is never overwritten. False when it could not be linked.
 */
function linkInPlace(temp: string, target: string): boolean {
  // A WAL or journal left beside a missing index would be read by SQLite as the new file's own and
  // played into it. The slower way opens what is there as any command would.
  if (existsSync(`${target}-wal`) || existsSync(`${target}-journal`)) return false;
  try {
    linkSync(temp, target);
    return true;
  } catch {
    // EEXIST (someone was quicker), or a file system without hard links: merged instead.
    return false;
  }
}

/** Upserts the rows of the finished file `temp` into the index at `target`, a slice per transaction. */
function mergeInto(target: string, temp: string, description: string): void {
  const live = openIndexDatabase(target, description);
  try {
    live.prepare("ATTACH DATABASE ? AS build").run(temp);
    const last =
      (live.prepare("SELECT max(rowid) FROM build.recordings").pluck().get() as number | null) ?? 0;
    const merge = live.prepare(MERGE_FROM_BUILD);
    // Other writers (a serve's ingest) wait for one slice at most, as for rebuild-db's batches.
    const slice = live.transaction((from: number) => merge.run(from, from + MERGE_SLICE));
    for (let from = 0; from < last; from += MERGE_SLICE) slice(from);
    live.exec("DETACH DATABASE build");
  } catch (error) {
    throw indexFailure(description)("writing the rebuilt rows into the index found there", error);
  } finally {
    live.close();
  }
}

/** fsync: the data reaches the disk before a directory entry names the file as the index. */
function syncFile(file: string): void {
  // r+: Windows flushes only a handle that may write.
  const fd = openSync(file, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeBuildFiles(temp: string): void {
  for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${temp}${suffix}`, { force: true });
}

/**
 * Removes the files of builds whose process is gone (killed, or the machine went down): their pid, in
 * the name, is not running on this machine. A build of a live process is left alone.
 */
function removeAbandonedBuilds(target: string): void {
  const pattern = new RegExp(
    `^${escapeRegExp(path.basename(target))}\\.rebuild-(\\d+)-[0-9a-f]+(-journal|-wal|-shm)?$`,
  );
  for (const name of readdirSync(path.dirname(target))) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !isRunning(pid)) {
      rmSync(path.join(path.dirname(target), name), { force: true });
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: running, as another user.
    return !hasCode(error, "ESRCH");
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
