/**
 * Helpers for the end-to-end tests of the operator commands (reindex, sweep-missed, purge-old,
 * rebuild-db): a workspace whose config points at one of the two backends, a way to look into (or lay
 * out) its archive from this process, and recording documents as the older Python system wrote them.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backends, RecordingDocument } from "@zrec/core";
import { legacyDocument, newMeetingUuid } from "../fixtures/legacy-document.js";
import type { TestBackends } from "./backends.js";
import { QUIET_AWS_SDK, readLines, runZrec, withArchive } from "./support.js";

export { legacyDocument, newMeetingUuid };

export interface ArchiveWorkspace {
  dir: string;
  env: Record<string, string>;
  /** Runs the built `zrec` in the workspace. */
  zrec(...args: string[]): ReturnType<typeof runZrec>;
  /** Opens the backends the CLI uses, runs `use`, closes them (the CLI gets the files to itself again). */
  archive<T>(use: (backends: Backends) => Promise<T>): Promise<T>;
  /** Every key in a folder of the store (the recordings' objects), sorted. */
  keys(): Promise<string[]>;
  /** The outbox messages (the notifier is the outbox on both backends). */
  outbox(): Promise<Record<string, unknown>[]>;
  /** Removes the folder. */
  remove(): Promise<void>;
}

/**
 * A temp folder with zrec.config.json holding `backends.config` (no Zoom account: every command but
 * sweep-missed runs), or `dir`, a workspace made by support.ts's makeWorkspace for these backends, as it
 * is. `env` goes over `backends.env`.
 */
export async function makeArchiveWorkspace(
  backends: TestBackends,
  options: { dir?: string; env?: Record<string, string> } = {},
): Promise<ArchiveWorkspace> {
  let dir = options.dir;
  if (dir === undefined) {
    dir = await mkdtemp(join(tmpdir(), "zrec-ops-"));
    await writeFile(join(dir, "zrec.config.json"), JSON.stringify(backends.config, null, 2));
  }
  const env = { ...QUIET_AWS_SDK, ...backends.env, ...options.env };
  const archive = <T>(use: (opened: Backends) => Promise<T>) => withArchive(backends, { dir, env }, use);
  return {
    dir,
    env,
    zrec: (...args) => runZrec(args, { cwd: dir, env }),
    archive,
    keys: () =>
      archive(async ({ store }) => {
        const keys: string[] = [];
        // In the embedded default the index and the outbox sit in the store's folder, beside the recordings.
        for await (const key of store.list("")) if (key.includes("/")) keys.push(key);
        return keys.sort();
      }),
    outbox: () => readLines(join(dir, "zrec-data", "outbox.jsonl")),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Writes a recording as an ingest by the older system left it: the event, the meetings, each file
 * (named by its s3_url) with its metadata, and the document as Python's `json.dump(indent=4)` wrote it;
 * with `index`, also its row. Returns the keys written, sorted.
 */
export async function putLegacyRecording(
  backends: Backends,
  document: RecordingDocument,
  options: { index?: boolean } = {},
): Promise<string[]> {
  const id = document.recording_id;
  const keys = [`${id}/recording.json`, `${id}/past_meeting.json`, `${id}/meeting.json`];
  for (const file of document.files) {
    keys.push(`${id}/${file.s3_url.split("/").at(-1)}`, `${id}/${file.recording_type}.json`);
  }
  const type = { contentType: "application/octet-stream" };
  await Promise.all(keys.map((key) => backends.store.put(key, `content of ${key}`, type)));
  const documentKey = `${id}/recording_document.json`;
  await backends.store.put(documentKey, JSON.stringify(document, null, 4), {
    contentType: "application/json",
  });
  if (options.index ?? false) await backends.index.put(document);
  return [...keys, documentKey].sort();
}

/** The text of a stored object, or undefined. */
export async function readObject(backends: Backends, key: string): Promise<string | undefined> {
  const bytes = await backends.store.get(key);
  return bytes === undefined ? undefined : Buffer.from(bytes).toString("utf8");
}
