/** The operator's tasks beside ingest: reindex, sweep-missed, purge-old, rebuild-db, setup, doctor. */
export { type DoctorCheck, type DoctorOptions, runDoctor } from "./doctor.js";
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
export { type SetupOptions, type SetupStep, setupBackends } from "./setup.js";
export {
  defaultSweepFrom,
  SWEEP_DEFAULT_DAYS,
  type SweepMeeting,
  type SweepOptions,
  type SweepOutcome,
  type SweepReport,
  sweepMissed,
} from "./sweep-missed.js";
