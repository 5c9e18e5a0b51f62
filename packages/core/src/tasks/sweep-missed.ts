/**
 * sweep-missed: finds the recordings Zoom holds that the archive lacks (a webhook that never arrived,
 * an ingest that failed for good) and ingests them, as the older system's "retrieve missed meetings" did.
 */
import pLimit from "p-limit";
import { type NamedZoomAccount, requireZoomAccount } from "../config/accounts.js";
import type { Config } from "../config/types.js";
import { ErrorCode, InputError, messageOf, ZoomApiError } from "../errors.js";
import type { PipelineDeps } from "../pipeline/deps.js";
import { ingestFromZoom, type ZoomIngestOutcome } from "../pipeline/ingest-from-zoom.js";
import { isScopeRefusal, type ZoomClient } from "../zoom/api.js";
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
const DAY = 86_400_000;

/** How many UTC days a sweep looks at when it is not told where to start. */
export const SWEEP_DEFAULT_DAYS = 30;

/**
 * The first day of the window a sweep looks at by default: the {@link SWEEP_DEFAULT_DAYS} UTC days that
 * end with `to`. The CLI and the scheduled Lambda both start there.
 * @example
 * defaultSweepFrom(new Date("2025-01-30")); // 2025-01-01
 */
export function defaultSweepFrom(to: Date): Date {
  return new Date(to.getTime() - (SWEEP_DEFAULT_DAYS - 1) * DAY);
}

/** The first UTC day GET /accounts/me/recordings reaches: six months back, plus a day of margin. */
function accountListingCutoff(now: Date): Date {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 6, now.getUTCDate() + 1));
  return day;
}

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
  /** `archived` in a dry run, and due for Zoom's trash: a run that is not dry moves it there. */
  trashDue?: true;
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
  /**
   * `auto` (default): the account listing for the last six months where the app's scopes allow it,
   * per user otherwise. `per-user`: always per user (for comparison, and benchmarks).
   */
  listing?: "auto" | "per-user";
}

/** How one account was swept. */
export interface SweepAccountReport {
  account: string;
  /** `account`: GET /accounts/me/recordings, one call per month; `per-user`: one per user per month. */
  listing: "account" | "per-user" | "account and per-user";
  /** Why the account listing was not used although it could have been (a missing scope). */
  fallback?: string;
  /** Users listed (active and inactive); 0 when the account listing covered the whole window. */
  users: number;
  /** Users deleted while the sweep ran: Zoom answered 404 for their recordings. */
  usersGone?: number;
  /** REST requests to this account's API during the sweep, listing and ingests together. */
  requests: number;
  /** Set when Zoom's daily limit stopped this account's sweep: the sentence says until when. */
  stopped?: string;
  /** Set when listing this account failed otherwise (its credentials, Zoom down): what went wrong. */
  failed?: string;
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
  /** Per account: how it was listed, how many API requests it took, and whether it was stopped. */
  perAccount: SweepAccountReport[];
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
  const { from, to, concurrency, accounts } = checkSweepRequest(deps.config, options);
  const dryRun = options.dryRun ?? false;

  const limit = pLimit(concurrency);
  const seen = new Set<string>();
  const pending: Promise<SweepMeeting>[] = [];
  const perAccount: SweepAccountReport[] = [];
  const counted: { zoom: ZoomClient; before: number; report: SweepAccountReport }[] = [];
  const listingErrors: unknown[] = [];
  const window = { from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T00:00:00Z`) };
  const cutoff = accountListingCutoff(deps.now?.() ?? new Date());
  for (const account of accounts) {
    const zoom = deps.zoom(account.name);
    const report: SweepAccountReport = { account: account.name, listing: "per-user", users: 0, requests: 0 };
    perAccount.push(report);
    counted.push({ zoom, before: zoom.requestCount(), report });
    const found = (meeting: ZoomMeetingRecordings) => {
      deps.signal?.throwIfAborted();
      if (seen.has(meeting.uuid)) return;
      seen.add(meeting.uuid);
      pending.push(
        limit(async () => {
          const entry = await sweepOne(meeting, account, dryRun, deps);
          options.onMeeting?.(entry);
          return entry;
        }),
      );
    };
    try {
      // One call per month for the whole account where Zoom allows it: the last six months, with the scope.
      let perUser: { from: Date; to: Date } | undefined = window;
      if (options.listing !== "per-user" && window.to >= cutoff) {
        const recent = { from: new Date(Math.max(window.from.getTime(), cutoff.getTime())), to: window.to };
        try {
          for await (const meeting of zoom.listAccountRecordings(recent)) found(meeting);
          report.listing = window.from < cutoff ? "account and per-user" : "account";
          perUser =
            window.from < cutoff ? { from: window.from, to: new Date(cutoff.getTime() - DAY) } : undefined;
        } catch (error) {
          if (!isScopeRefusal(error)) throw error;
          report.fallback = `the account listing was refused (${messageOf(error)}); listed per user`;
        }
      }
      if (perUser) {
        // Ids first: Zoom's page tokens expire after 15 minutes, and listing recordings can take longer.
        // A deactivated host keeps their recordings; a pending user (invited, never joined) has none.
        const userIds: string[] = [];
        for (const status of USER_STATUSES) {
          for await (const user of zoom.listUsers({ status })) userIds.push(user.id);
        }
        report.users = userIds.length;
        for (const userId of userIds) {
          try {
            for await (const meeting of zoom.listRecordings(userId, perUser)) found(meeting);
          } catch (error) {
            // Deleted between the listing of users and now (a host who left): nothing of theirs to sweep,
            // and no reason to skip every user after them.
            if (!(error instanceof ZoomApiError && error.status === 404)) throw error;
            report.usersGone = (report.usersGone ?? 0) + 1;
          }
        }
      }
    } catch (error) {
      // Zoom's daily limit: this account is done for today, the others have their own limits.
      if (error instanceof ZoomApiError && error.code === ErrorCode.ZOOM_RATE_LIMITED) {
        report.stopped = messageOf(error);
        continue;
      }
      // One account's wrong secret (or a bad moment of Zoom's) must not cost the other accounts their
      // sweep, nor the report of what was ingested; only a stop (Ctrl+C) ends the sweep here.
      if (deps.signal?.aborted) {
        listingErrors.unshift(error);
        break;
      }
      report.failed = messageOf(error);
      listingErrors.push(error);
    }
  }
  // Settled, not raced: ingests already running must finish (or fail) before the sweep returns or throws.
  const settled = await Promise.allSettled(pending);
  // Nothing was listed at all (one account, or all of them failing): its error says it best.
  if (deps.signal?.aborted || (listingErrors.length > 0 && listingErrors.length === accounts.length))
    throw listingErrors[0] ?? deps.signal?.reason;
  const rejected = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (rejected) throw rejected.reason; // only onMeeting can throw here: sweepOne catches its own errors

  const meetings = settled
    .flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []))
    .sort(byStartTime);
  const counts = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as Record<SweepOutcome, number>;
  for (const meeting of meetings) counts[meeting.outcome] += 1;
  for (const { zoom, before, report } of counted) report.requests = zoom.requestCount() - before;
  const users = perAccount.reduce((sum, report) => sum + report.users, 0);
  return {
    from,
    to,
    dryRun,
    accounts: accounts.map((account) => account.name),
    users,
    meetings,
    counts,
    perAccount,
  };
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

/**
 * The window, the concurrency and every account name of a sweep, checked against the configuration
 * alone: a typo fails at once, not after an hour of work, and a caller can check before it opens the
 * backends (the CLI does, so that a refused sweep creates no archive folder).
 * @throws ConfigError naming an account that is not configured; InputError for a bad window or concurrency.
 */
export function checkSweepRequest(
  config: Config,
  options: Pick<SweepOptions, "accounts" | "from" | "to" | "concurrency">,
): { from: string; to: string; concurrency: number; accounts: NamedZoomAccount[] } {
  const { from, to } = checkWindow(options.from, options.to);
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InputError(`sweep-missed: concurrency must be a whole number, 1 or more (got ${concurrency}).`);
  }
  const names = options.accounts.length > 0 ? options.accounts : Object.keys(config.zoom.accounts);
  const accounts = [...new Set(names)].map((name) => requireZoomAccount(config, name));
  if (accounts.length === 0) accounts.push(requireZoomAccount(config));
  return { from, to, concurrency, accounts };
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
