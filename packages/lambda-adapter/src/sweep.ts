/**
 * sweep-missed on AWS. The core's sweep, as a dry run, finds the recordings Zoom holds and the archive
 * lacks; each then gets an execution of its own instead of being copied inside this one function,
 * whose 15 minutes would not be enough for a day of large recordings.
 */
import {
  messageOf,
  type PipelineDeps,
  type SweepReport,
  sweepMissed,
  type ZoomRecordingEvent,
} from "@zrec/core";
import type { StartExecution, StartedExecution } from "./execution.js";

export interface RemoteSweepOptions {
  /** Names in `zoom.accounts`; empty: every configured account. */
  accounts: string[];
  from: Date;
  to: Date;
  /** Report what would be started, start nothing. */
  dryRun: boolean;
  now: Date;
}

export interface RemoteSweepReport extends SweepReport {
  /** One per missing recording (not in a dry run). */
  executions: StartedExecution[];
  /** Missing recordings whose execution could not be started; the next sweep tries again. */
  failures: { uuid: string; recording_id?: string; error: string }[];
}

/**
 * @example
 * const report = await sweepToExecutions(deps, start, { accounts: [], from, to, dryRun: false, now: new Date() });
 */
export async function sweepToExecutions(
  deps: PipelineDeps,
  start: StartExecution,
  options: RemoteSweepOptions,
): Promise<RemoteSweepReport> {
  const { accounts, from, to, dryRun, now } = options;
  const report = await sweepMissed(deps, { accounts, from, to, dryRun: true });
  const result: RemoteSweepReport = { ...report, dryRun, executions: [], failures: [] };
  if (dryRun) return result;
  for (const meeting of report.meetings) {
    // An incomplete recording is ingested again from Zoom's list: stored files are not copied twice. So
    // is one archived whole but due for Zoom's trash: nothing is copied, and FinishIngest's guard trashes.
    const wanted = meeting.outcome === "would-ingest" || meeting.outcome === "incomplete" || meeting.trashDue;
    if (!wanted) continue;
    try {
      // Fetched again because the sweep's report keeps no file lists: the event is what Zoom would send.
      const object = await deps.zoom(meeting.account).getMeetingRecordings(meeting.uuid);
      const accountId = deps.config.zoom.accounts[meeting.account]?.accountId;
      const event: ZoomRecordingEvent = {
        event: "recording.completed",
        event_ts: now.getTime(),
        payload: { ...(accountId ? { account_id: accountId } : {}), object },
      };
      result.executions.push(await start(event, { kind: "sweep", at: now }));
    } catch (error) {
      result.failures.push({
        uuid: meeting.uuid,
        ...(meeting.recording_id ? { recording_id: meeting.recording_id } : {}),
        error: messageOf(error),
      });
    }
  }
  return result;
}
