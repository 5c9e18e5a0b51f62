/**
 * rebuild-db: rebuilds the index from the recording documents in the store, as the older system's
 * "scan the bucket" did. Documents either system wrote are indexed; a bad one is skipped and named.
 */
import { DocumentError, InputError } from "../errors.js";
import type { Backends } from "../ports.js";
import { type RecordingDocument, validateDocument } from "../recording/document.js";
import { scanFolders } from "./scan-folders.js";

/** Read as `{folder}/recording_document.json`, exactly two segments: deeper copies are not the archive's. */
const DOCUMENT_NAME = "recording_document.json";

export interface RebuildProgress {
  /** Documents read so far. */
  scanned: number;
  /** Documents written to the index so far (in a dry run: found good). */
  indexed: number;
  /** Documents skipped as bad so far. */
  bad: number;
}

export interface RebuildOptions {
  /** Validate and count, write nothing. Default false. */
  dryRun?: boolean;
  /**
   * Documents per `index.putMany` call. Default: the index's `bulkBatchSize` (SQLite 10,000, one
   * transaction each), else 1,000. Memory holds about two batches.
   */
  batchSize?: number;
  /** Documents read from the store at once, where the store has no `scanFolders` of its own (S3). Default 16. */
  concurrency?: number;
  /** Called after each batch. */
  onProgress?: (progress: RebuildProgress) => void;
}

export interface BadDocument {
  /** The store key of the document. */
  key: string;
  /** Why it was skipped, in one sentence. */
  reason: string;
  /** The field at fault, when one is. */
  field?: string;
}

export interface RebuildReport {
  dryRun: boolean;
  /** Recording documents found and read. */
  scanned: number;
  /** Written to the index (in a dry run: would be written). */
  indexed: number;
  /** Every document skipped, with why. */
  bad: BadDocument[];
}

type Checked = { document: RecordingDocument } | { bad: BadDocument };

/**
 * Lists every `{recording_id}/recording_document.json` in the store, reads and validates each, and
 * writes the good ones to the index in batches. Memory holds about two batches, whatever the archive's
 * size: keys stream from the listing into batches, and one batch is written while the next is read.
 * Rows are upserted, never deleted; no notification is sent.
 *
 * @throws BackendError when the store cannot be listed or read, or the index cannot be written.
 * @example
 * const report = await rebuildDb({ backends }, { onProgress: (p) => console.log(p.scanned) });
 * if (report.bad.length > 0) process.exitCode = 1; // the good ones are indexed all the same
 */
export async function rebuildDb(
  deps: { backends: Backends },
  options: RebuildOptions = {},
): Promise<RebuildReport> {
  const { store, index } = deps.backends;
  const dryRun = options.dryRun ?? false;
  const batchSize = positiveInteger(options.batchSize ?? index.bulkBatchSize ?? 1000, "batchSize");
  const concurrency = positiveInteger(options.concurrency ?? 16, "concurrency");
  const report: RebuildReport = { dryRun, scanned: 0, indexed: 0, bad: [] };

  let writing: Promise<void> = Promise.resolve();
  const flush = async (good: RecordingDocument[]): Promise<void> => {
    // One write in flight: the next batch is read while this one is written, and no more piles up.
    await writing;
    writing = (async () => {
      if (!dryRun && good.length > 0) await index.putMany(good);
      report.indexed += good.length;
      options.onProgress?.({ scanned: report.scanned, indexed: report.indexed, bad: report.bad.length });
    })();
    // Handled when awaited; without this a failed write would be an unhandled rejection until then.
    writing.catch(() => {});
  };

  let good: RecordingDocument[] = [];
  let inBatch = 0;
  for await (const group of scanFolders(store, DOCUMENT_NAME, { concurrency })) {
    for (const { key, text } of group) {
      report.scanned += 1;
      inBatch += 1;
      const result = checkDocument(key, text);
      if ("bad" in result) report.bad.push(result.bad);
      else good.push(result.document);
      if (inBatch >= batchSize) {
        await flush(good);
        good = [];
        inBatch = 0;
      }
    }
  }
  if (inBatch > 0) await flush(good);
  await writing;
  return report;
}

/** The document stored at `key` (`{folder}/recording_document.json`), checked. */
function checkDocument(key: string, text: string): Checked {
  const bad = (reason: string, field?: string): Checked => ({
    bad: { key, reason, ...(field === undefined ? {} : { field }) },
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // V8's message quotes the text around the fault, which may be a meeting password.
    return bad(`${key} is not valid JSON.`);
  }
  let document: RecordingDocument;
  try {
    document = validateDocument(value, key);
  } catch (error) {
    if (error instanceof DocumentError) return bad(error.message, error.field);
    throw error;
  }
  const folder = key.slice(0, key.indexOf("/"));
  if (document.recording_id !== folder) {
    return bad(
      `${key} has recording_id ${document.recording_id}, which differs from its folder ${JSON.stringify(folder)}.`,
      "recording_id",
    );
  }
  return { document };
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InputError(`rebuild-db: ${name} must be a whole number, 1 or more (got ${value}).`);
  }
  return value;
}
