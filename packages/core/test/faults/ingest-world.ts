/**
 * One ingest world for the hardening suites: zoom-sim on 127.0.0.1, the embedded backends (folder,
 * SQLite, outbox) in a fresh temp dir, and the PipelineDeps that join them, with the copy's idle timeout
 * and retry waits shortened so that a run with faults takes a second, not minutes. Also the checks every
 * run ends with: byte-identical files, or a clean failure that left nothing behind.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type SimMeeting, startZoomSim, type ZoomSim, type ZoomSimOptions } from "@zrec/zoom-sim";
import { closeBackends, createBackends } from "../../src/adapters/factory.js";
import { FS_TEMP_DIR } from "../../src/adapters/fs-store.js";
import { type OutboxMessage, readOutbox } from "../../src/adapters/outbox-notifier.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/types.js";
import { IngestFailed, ZoomApiError } from "../../src/errors.js";
import type { PipelineDeps } from "../../src/pipeline/deps.js";
import type { IngestResult } from "../../src/pipeline/run-ingest.js";
import type { Backends, ObjectStore } from "../../src/ports.js";
import type { RetryPolicy } from "../../src/retry.js";
import { createZoomClient, type ZoomClient } from "../../src/zoom/api.js";

export const MiB = 1024 * 1024;

/** Waits short enough for hundreds of runs, long enough that real retries happen. */
export const FAST_RETRY: Partial<RetryPolicy> = { baseDelayMs: 10, maxDelayMs: 100 };

export interface WorldOptions {
  sim?: ZoomSimOptions;
  /**
   * Laid over the world's configuration (zoom block pointing at the sim; trash on; 5 MiB parts); the
   * `zoom` block is merged key by key, every other block replaced.
   */
  config?: Record<string, unknown>;
  /** The copy's idle timeout; default 250 ms. */
  idleTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Give an existing sim instead of starting one (it is not closed by close()). */
  existingSim?: ZoomSim;
  /** An object store to use instead of the configured folder (an S3 store behind a fault proxy…). */
  store?: ObjectStore;
}

export interface IngestWorld {
  sim: ZoomSim;
  /** The temp dir: config base, parent of the store root. */
  dir: string;
  /** The folder store's root. */
  root: string;
  config: Config;
  backends: Backends;
  deps: PipelineDeps;
  outbox(): Promise<OutboxMessage[]>;
  /** Names left in the store's temporary folder (unfinished writes): empty after any run. */
  tempLeft(): Promise<string[]>;
  /** Every key in the store. */
  keys(): Promise<string[]>;
  sha256Of(key: string): Promise<string | undefined>;
  close(): Promise<void>;
}

export async function openWorld(options: WorldOptions = {}): Promise<IngestWorld> {
  const sim = options.existingSim ?? (await startZoomSim(options.sim));
  const dir = await mkdtemp(path.join(tmpdir(), "zrec-faults-"));
  const account = sim.accounts[0];
  if (!account) throw new Error("the sim has no account");
  const { zoom: zoomOverrides, ...overrides } = options.config ?? {};
  const config = loadConfig(
    {
      zoom: {
        accounts: { default: account },
        webhookSecretToken: sim.webhookSecretToken,
        apiBaseUrl: sim.apiBaseUrl,
        oauthUrl: sim.oauthUrl,
        allowedDownloadHosts: ["127.0.0.1"],
        ...(zoomOverrides as Record<string, unknown> | undefined),
      },
      ingest: { trashAfterIngest: true, partSizeMiB: 5, partConcurrency: 4, fileConcurrency: 3 },
      ...overrides,
    },
    { env: {}, baseDir: dir },
  );
  const opened = await createBackends(config, { baseDir: dir });
  const backends: Backends = options.store ? { ...opened, store: options.store } : opened;
  const retry = options.retry ?? FAST_RETRY;
  const clients = new Map<string, ZoomClient>();
  const zoom = (name: string) => {
    let client = clients.get(name);
    if (!client) {
      const configured = config.zoom.accounts[name] ?? account;
      client = createZoomClient({
        account: configured,
        apiBaseUrl: config.zoom.apiBaseUrl,
        oauthUrl: config.zoom.oauthUrl,
        retry,
      });
      clients.set(name, client);
    }
    return client;
  };
  const deps: PipelineDeps = {
    config,
    backends,
    zoom,
    transfer: { idleTimeoutMs: options.idleTimeoutMs ?? 250, retry },
  };
  const root = config.storage.type === "fs" ? config.storage.root : path.join(dir, "zrec-data");
  const outboxPath = config.notify.type === "outbox" ? config.notify.path : path.join(dir, "outbox.jsonl");
  return {
    sim,
    dir,
    root,
    config,
    backends,
    deps,
    outbox: () => readOutbox(outboxPath),
    async tempLeft() {
      const temp = path.join(root, FS_TEMP_DIR);
      return existsSync(temp) ? readdir(temp) : [];
    },
    async keys() {
      const keys: string[] = [];
      for await (const key of backends.store.list("")) keys.push(key);
      return keys.sort();
    },
    async sha256Of(key) {
      const bytes = await backends.store.get(key);
      return bytes === undefined ? undefined : createHash("sha256").update(bytes).digest("hex");
    },
    async close() {
      await closeBackends(backends).catch(() => {});
      if (!options.existingSim) await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What one ingest ended with. */
export type RunOutcome = { ok: true; result: IngestResult } | { ok: false; error: unknown };

export async function attempt(run: () => Promise<IngestResult>): Promise<RunOutcome> {
  try {
    return { ok: true, result: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Every file metadata object under the recording (`{type}.json` with a `key` and a `sha256`) must
 * describe an object that is there, hashes as recorded, and is byte-identical to one of the meeting's
 * files: a half-written or mixed-up file shows here.
 */
export async function checkStoredFiles(world: IngestWorld, meeting: SimMeeting): Promise<string[]> {
  const problems: string[] = [];
  const expected = new Set(await Promise.all(meeting.files.map((f) => world.sim.expectedSha256(f.id))));
  for (const key of await world.keys()) {
    if (!key.startsWith(`${meeting.recordingId}/`) || !key.endsWith(".json")) continue;
    const bytes = await world.backends.store.get(key);
    let json: Record<string, unknown> | null;
    try {
      json = JSON.parse(Buffer.from(bytes ?? "null").toString("utf8")) as Record<string, unknown> | null;
    } catch {
      problems.push(`${key} is not JSON`);
      continue;
    }
    if (!json || typeof json.key !== "string" || typeof json.sha256 !== "string") continue;
    const actual = await world.sha256Of(json.key);
    if (actual === undefined) problems.push(`${key} describes ${json.key}, which is not stored`);
    else if (actual !== json.sha256) problems.push(`${json.key} does not hash as its metadata says`);
    else if (!expected.has(actual)) problems.push(`${json.key} is not byte-identical to any Zoom file`);
  }
  return problems;
}

/** Which stage a failed ingest stopped in, from its error; undefined for an error no stage should throw. */
export function failedStage(error: unknown): "metadata" | "files" | "trash" | undefined {
  if (error instanceof IngestFailed) return "files";
  // finish-ingest lists the recording's files (GET …/recordings), then trashes it (DELETE …/recordings).
  if (error instanceof ZoomApiError)
    return /^(GET|DELETE) \/meetings\/\S+\/recordings /.test(error.message) ? "trash" : "metadata";
  return undefined;
}

/**
 * Checks the end state of one ingest of `meeting` against the invariants, and returns every broken one
 * in words (empty: all held).
 * - Success: every file stored byte-identical (the stored object hashed again, against the sim's), the
 *   document and index row written, exactly one notification, the trash call after the last download.
 * - A failure in the metadata stage (Zoom's API failing for good on the past or parent meeting, which
 *   runIngest asks for while the copies run): no document, row, notification or trash; the files
 *   already copied stay whole, the copies under way keep their checkpoints (resume/), and the next run
 *   goes on from them. (Zoom's file list failing is told apart as "trash" below: the same request.)
 * - A failure in the files stage: an IngestFailed; for every file it names no object and no metadata;
 *   the files that were stored are byte-identical; no document, row, notification or trash.
 * - A failure of the trash call itself (the last step): everything stored, one notification, not
 *   trashed; a re-run trashes without notifying again (docs/decisions.md).
 * Always: no unfinished write left in the store (but those checkpoints), no Authorization header sent
 *   to the CDN.
 */
export async function checkRun(
  world: IngestWorld,
  meeting: SimMeeting,
  outcome: RunOutcome,
): Promise<string[]> {
  const problems: string[] = [];
  const { sim, backends } = world;
  const id = meeting.recordingId;
  const document = await backends.store.get(`${id}/recording_document.json`);
  const row = await backends.index.get(id);
  const notes = (await world.outbox()).filter((m) => m.recording_id === id);
  const deletes = sim.requests.flatMap((r, i) => (r.method === "DELETE" ? [i] : []));
  const trashed = sim.trashCalls.length > 0;
  const lastCdn = Math.max(-1, ...sim.requests.flatMap((r, i) => (r.server === "cdn" ? [i] : [])));
  const stage = outcome.ok ? "done" : failedStage(outcome.error);

  if (stage === undefined && !outcome.ok) {
    const error = outcome.error as Error;
    problems.push(`failed with ${error?.name}: ${error?.message}, which no stage should throw`);
  }
  if (stage === "done" || stage === "trash") {
    const downloadable = meeting.files.filter((f) => f.status === "completed");
    const stored = outcome.ok ? outcome.result.files : [];
    if (outcome.ok && stored.length !== downloadable.length)
      problems.push(`${stored.length} files stored, ${downloadable.length} expected`);
    const keys = await world.keys();
    const hashes = await Promise.all(keys.map((key) => world.sha256Of(key)));
    for (const file of downloadable) {
      if (!hashes.includes(await sim.expectedSha256(file.id)))
        problems.push(
          `file ${file.id} (${file.recordingType}, ${file.size} bytes) not stored byte-identical`,
        );
    }
    if (!document) problems.push("no document");
    if (!row) problems.push("no index row");
    if (notes.length !== 1) problems.push(`${notes.length} notifications, expected 1`);
  }
  if (stage === "done" && world.config.ingest.trashAfterIngest) {
    if (!trashed) problems.push("not trashed");
    else if ((deletes[0] ?? 0) < lastCdn) problems.push("trashed before the last download");
  }
  if (stage === "trash" && trashed) problems.push("trashed although the trash call failed");
  if (!outcome.ok && (stage === "files" || stage === "metadata")) {
    if (outcome.error instanceof IngestFailed) {
      for (const failure of outcome.error.failures) {
        if ((await backends.store.head(failure.key)) !== undefined)
          problems.push(`failed file ${failure.key} has an object`);
        const metadataKey = failure.key.replace(/\.[a-z0-9_]+$/, ".json");
        if (metadataKey !== failure.key && (await backends.store.head(metadataKey)) !== undefined)
          problems.push(`failed file ${failure.key} has metadata`);
      }
    }
    if (document) problems.push("a document was written");
    if (row) problems.push("an index row was written");
    if (notes.length > 0) problems.push("a notification was sent");
    if (trashed) problems.push("the recording was trashed");
  }
  // Every file that did get stored is whole: byte-identical to one of the meeting's files.
  problems.push(...(await checkStoredFiles(world, meeting)));
  // The copies a failed description stopped keep their checkpoints (resume/) for the next run.
  const kept = !outcome.ok && stage === "metadata" ? ["resume"] : [];
  const temp = (await world.tempLeft()).filter((entry) => !kept.includes(entry));
  if (temp.length > 0) problems.push(`unfinished writes left: ${temp.join(", ")}`);
  const leaked = sim.requests.filter((r) => r.server === "cdn" && r.hasAuthorization);
  if (leaked.length > 0) problems.push(`${leaked.length} CDN requests carried an Authorization header`);
  return problems;
}
