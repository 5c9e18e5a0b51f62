/**
 * sweep-missed: finds the recordings Zoom holds that the archive lacks (a webhook that never arrived,
 * an ingest that failed for good) and ingests them, as the older system's "retrieve missed meetings" did.
 */
import pLimit from "p-limit";
import { type NamedZoomAccount, requireZoomAccount } from "../config/accounts.js";
import { InputError, messageOf } from "../errors.js";
import type { PipelineDeps } from "../pipeline/deps.js";
import { ingestFromZoom, type ZoomIngestOutcome } from "../pipeline/ingest-from-zoom.js";
import { recordingIdFromUuid } from "../zoom/ids.js";
import type { ZoomMeetingRecordings } from "../zoom/types.js";
import { utcDate } from "./shared.js";

export type SweepOutcome = ZoomIngestOutcome | "failed";

const OUTCOMES: readonly SweepOutcome[] = [
  "archived",
  "too-short",
  "processing",
  "ingested",
  "would-ingest",
  "completed",
  "incomplete",
  "failed",
];

/** The user statuses that can hold recordings. */
const USER_STATUSES = ["active", "inactive"] as const;

export interface SweepMeeting {
  /** Name of the configured Zoom account it was found in. */
  account: string;
  /** Absent only when Zoom's uuid is not one a recording id can be made from (outcome `failed`). */
  recording_id?: string;
  /** Zoom's meeting instance uuid. */
  uuid: string;
  topic: string;
  start_time?: string;
  /**
   * `archived`: the archive holds every file Zoom does. `too-short`: the ingest filters skip it
   * (`ingest.minimumDurationMinutes`). `processing`: Zoom has not finished some of its files; a later
   * sweep (or the webhook) gets it. `ingested`: it was missing and is now archived. `would-ingest`: the
   * same, in a dry run. `completed`: it was archived without some of Zoom's files, now added;
   * `incomplete`: the same, in a dry run. `failed`: looking it up or ingesting it failed; see `error`.
   */
  outcome: SweepOutcome;
  /** Why it was not ingested (`too-short`, `processing`), or which files were missing (`completed`, `incomplete`). */
  reason?: string;
  /** What went wrong (`failed`). */
  error?: string;
  /** Where it is archived (`archived`, `ingested`). */
  recording_path?: string;
}

export interface SweepOptions {
  /** Names in `zoom.accounts` to sweep; an empty list sweeps every configured account. */
  accounts: string[];
  /** First UTC day to look at, inclusive. */
  from: Date;
  /** Last UTC day to look at, inclusive. */
  to: Date;
  /** Report what would be ingested and change nothing. Default false. */
  dryRun?: boolean;
  /** Missing meetings ingested at once (each copies up to `ingest.fileConcurrency` files). Default 2. */
  concurrency?: number;
  /** Called once per meeting as soon as its outcome is known. */
  onMeeting?: (meeting: SweepMeeting) => void;
}

export interface SweepReport {
  /** The window, as UTC days YYYY-MM-DD. */
  from: string;
  to: string;
  dryRun: boolean;
  /** The account names swept. */
  accounts: string[];
  /** Users listed across the accounts. */
  users: number;
  /** One entry per meeting (deduplicated by uuid), by start time. */
  meetings: SweepMeeting[];
  counts: Record<SweepOutcome, number>;
}

/**
 * For each account, lists every active and inactive user and each user's recordings over the window, and ingests
 * the meetings the index does not have, on an event made as Zoom would send it, without a download
 * token, so the account's OAuth token fetches the files. Listing goes on while meetings are ingested.
 * A meeting that fails is reported and the sweep goes on; a listing that fails ends the sweep with
 * its error, after the ingests already started have finished.
 *
 * @throws ConfigError naming an account that is not configured; InputError for a bad window or concurrency.
 * @example
 * const report = await sweepMissed(pipeline.deps, {
 *   accounts: ["default"],
 *   from: new Date("2025-01-01"),
 *   to: new Date(),
 *   onMeeting: (m) => console.log(m.outcome, m.topic),
 * });
 * if (report.counts.failed > 0) process.exitCode = 1;
 */
export async function sweepMissed(deps: PipelineDeps, options: SweepOptions): Promise<SweepReport> {
  const { from, to } = checkWindow(options.from, options.to);
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InputError(`sweep-missed: concurrency must be a whole number, 1 or more (got ${concurrency}).`);
  }
  const dryRun = options.dryRun ?? false;
  const names = options.accounts.length > 0 ? options.accounts : Object.keys(deps.config.zoom.accounts);
  // Every name is checked before anything is listed: a typo fails at once, not after an hour of work.
  const accounts = [...new Set(names)].map((name) => requireZoomAccount(deps.config, name));
  if (accounts.length === 0) accounts.push(requireZoomAccount(deps.config));

  const limit = pLimit(concurrency);
  const seen = new Set<string>();
  const pending: Promise<SweepMeeting>[] = [];
  let users = 0;
  let listingError: unknown;
  try {
    for (const account of accounts) {
      const zoom = deps.zoom(account.name);
      // Ids first: Zoom's page tokens expire after 15 minutes, and listing recordings can take longer.
      const userIds: string[] = [];
      // A deactivated host keeps their recordings; a pending user (invited, never joined) has none.
      for (const status of USER_STATUSES)
        for await (const user of zoom.listUsers({ status })) userIds.push(user.id);
      users += userIds.length;
      for (const userId of userIds) {
        for await (const meeting of zoom.listRecordings(userId, options)) {
          deps.signal?.throwIfAborted();
          if (seen.has(meeting.uuid)) continue;
          seen.add(meeting.uuid);
          pending.push(
            limit(async () => {
              const entry = await sweepOne(meeting, account, dryRun, deps);
              options.onMeeting?.(entry);
              return entry;
            }),
          );
        }
      }
    }
  } catch (error) {
    listingError = error;
  }
  // Settled, not raced: ingests already running must finish (or fail) before the sweep returns or throws.
  const settled = await Promise.allSettled(pending);
  if (listingError !== undefined) throw listingError;
  const rejected = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (rejected) throw rejected.reason; // only onMeeting can throw here: sweepOne catches its own errors

  const meetings = settled
    .flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []))
    .sort(byStartTime);
  const counts = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<SweepOutcome, number>;
  for (const meeting of meetings) counts[meeting.outcome] += 1;
  return { from, to, dryRun, accounts: accounts.map((account) => account.name), users, meetings, counts };
}

async function sweepOne(
  meeting: ZoomMeetingRecordings,
  account: NamedZoomAccount,
  dryRun: boolean,
  deps: PipelineDeps,
): Promise<SweepMeeting> {
  const base = {
    account: account.name,
    uuid: meeting.uuid,
    topic: meeting.topic,
    ...(meeting.start_time === undefined ? {} : { start_time: meeting.start_time }),
  };
  let recordingId: string | undefined;
  try {
    recordingId = recordingIdFromUuid(meeting.uuid);
    const { warnings: _warnings, ...report } = await ingestFromZoom(meeting, account, deps, { dryRun });
    return { ...base, ...report };
  } catch (error) {
    return {
      ...base,
      ...(recordingId === undefined ? {} : { recording_id: recordingId }),
      outcome: "failed",
      error: messageOf(error),
    };
  }
}

function checkWindow(from: Date, to: Date): { from: string; to: string } {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
    throw new InputError("sweep-missed needs valid from and to dates.");
  }
  const window = { from: utcDate(from), to: utcDate(to) };
  if (window.from > window.to) {
    throw new InputError(`sweep-missed: the window starts (${window.from}) after it ends (${window.to}).`);
  }
  return window;
}

function byStartTime(a: SweepMeeting, b: SweepMeeting): number {
  // Meetings without a start time go last; ties keep a stable, readable order by uuid.
  const left = a.start_time ?? "\uffff";
  const right = b.start_time ?? "\uffff";
  return left < right ? -1 : left > right ? 1 : a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
}
