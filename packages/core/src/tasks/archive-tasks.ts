/**
 * The tasks that only read and maintain an archive, without Zoom: purge-old, rebuild-db, reindex and
 * the folder scan under them. `@zrec/core/archive` exports these alone, so its importers stay light;
 * the three tasks load their modules (documents, schemas, the store's writers) when called, because
 * `zrec list`, `get` and `jobs list` import this entry too and use none of them (issue #18: their
 * start-up is measured against `node -e 0`).
 */
import type * as Purge from "./purge-old.js";
import type * as Rebuild from "./rebuild-db.js";
import type * as Reindex from "./reindex.js";

export { lostIndexError, storeHoldsRecordings } from "./lost-index.js";
export type { PurgeCandidate, PurgeOptions, PurgeReport } from "./purge-old.js";
export type { BadDocument, RebuildOptions, RebuildProgress, RebuildReport } from "./rebuild-db.js";
export type { ReindexOptions, ReindexResult } from "./reindex.js";
export { type ScanOptions, scanFolders } from "./scan-folders.js";

/** See {@link Purge.purgeOld}. */
export async function purgeOld(...args: Parameters<typeof Purge.purgeOld>) {
  return (await import("./purge-old.js")).purgeOld(...args);
}

/** See {@link Rebuild.rebuildDb}. */
export async function rebuildDb(...args: Parameters<typeof Rebuild.rebuildDb>) {
  return (await import("./rebuild-db.js")).rebuildDb(...args);
}

/** See {@link Reindex.reindex}. */
export async function reindex(...args: Parameters<typeof Reindex.reindex>) {
  return (await import("./reindex.js")).reindex(...args);
}
