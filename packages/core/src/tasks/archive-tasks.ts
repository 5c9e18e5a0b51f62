/**
 * The tasks that only read and maintain an archive, without Zoom: purge-old, rebuild-db, reindex and
 * the folder scan under them. `@zrec/core/archive` exports these alone, so its importers stay light.
 */
export { type PurgeCandidate, type PurgeOptions, type PurgeReport, purgeOld } from "./purge-old.js";
export {
  type BadDocument,
  type RebuildOptions,
  type RebuildProgress,
  type RebuildReport,
  rebuildDb,
} from "./rebuild-db.js";
export { type ReindexOptions, type ReindexResult, reindex } from "./reindex.js";
export { type ScanOptions, scanFolders } from "./scan-folders.js";
