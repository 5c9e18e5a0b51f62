/** The operator's tasks beside ingest: reindex, sweep-missed, purge-old, rebuild-db, setup, doctor. */

export * from "./archive-tasks.js";
export { type DoctorCheck, type DoctorOptions, runDoctor } from "./doctor.js";
export { type SetupOptions, type SetupStep, setupBackends } from "./setup.js";
export {
  checkSweepRequest,
  defaultSweepFrom,
  SWEEP_DEFAULT_DAYS,
  type SweepMeeting,
  type SweepOptions,
  type SweepOutcome,
  type SweepReport,
  sweepMissed,
} from "./sweep-missed.js";
