/** `zrec sweep-missed`: finds the recordings Zoom holds that the archive lacks, and ingests them. */
import type { IngestEvent, SweepMeeting, SweepReport } from "@zrec/core";
import { Command, Option } from "commander";
import { positiveWhole, repeatable, utcDay } from "../arg-parsers.js";
import { PartialFailure } from "../errors.js";
import { withProgress } from "../interrupt.js";
import { withGlobals } from "../options.js";
import { showIngestEvent } from "../ui/ingest-events.js";
import { escapeControl, printJson } from "../ui/output.js";

interface SweepFlags {
  account?: string[];
  allAccounts?: boolean;
  from?: Date;
  to?: Date;
  dryRun?: boolean;
  concurrency?: number;
}

export function sweepMissedCommand(): Command {
  return new Command("sweep-missed")
    .addOption(
      new Option("--account <name>", "sweep this account of zoom.accounts; repeat for several")
        .argParser(repeatable)
        .conflicts("allAccounts"),
    )
    .option("--all-accounts", "sweep every account in zoom.accounts (what happens without --account)")
    .option("--from <date>", "first UTC day, YYYY-MM-DD (default: 29 days before --to)", utcDay)
    .option("--to <date>", "last UTC day, YYYY-MM-DD (default: today)", utcDay)
    .option("--dry-run", "list what would be ingested and change nothing")
    .option("--concurrency <n>", "missing meetings ingested at once (default 2)", positiveWhole)
    .addHelpText("after", "\nExit 1 when a meeting could not be ingested (the others still are).")
    .action(
      withGlobals(async ({ options, out }, flags: SweepFlags) => {
        const [core, { withPipeline }] = await Promise.all([import("@zrec/core"), import("../session.js")]);
        const to = flags.to ?? today();
        const from = flags.from ?? core.defaultSweepFrom(to);
        // A reversed window is refused by core, naming both days.
        const request = {
          accounts: flags.account ?? [],
          from,
          to,
          ...(flags.dryRun ? { dryRun: true } : {}),
          ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
        };

        const report = await withPipeline(
          options,
          ({ deps }) =>
            withProgress(options, stoppedSweep, async (progress, signal) => {
              const manyAccounts = Object.keys(deps.config.zoom.accounts).length > 1;
              let checked = 0;
              const onMeeting = (meeting: SweepMeeting) => {
                progress.printAbove(() => out.line(meetingLine(meeting, manyAccounts)));
                progress.status(`Listing and ingesting: ${++checked} meetings checked`);
              };
              // The files of the meetings being ingested, as `zrec ingest` shows them; the headline stays the sweep's.
              const onEvent = (e: IngestEvent) => e.type !== "metadata" && showIngestEvent(e, progress, out);
              progress.status("Listing users and their recordings");
              const result = await core.sweepMissed({ ...deps, onEvent, signal }, { ...request, onMeeting });
              // The sweep returns what it did before the Ctrl+C; the run still ends as interrupted.
              if (signal.aborted) throw new Error("aborted");
              return result;
            }),
          { check: ({ config }) => core.checkSweepRequest(config, request) },
        );

        if (out.json) printJson(report);
        else summarize(report, out.line);
        const failure = partialFailure(report);
        if (failure) throw failure;
      }),
    );
}

const stoppedSweep = {
  what: "the sweep",
  suggestion: "Run the same sweep again: what it ingested is now archived and is not copied twice.",
};

/** Meetings that failed, and accounts not (wholly) swept: one line each, the failures last. */
function partialFailure(report: SweepReport): PartialFailure | undefined {
  const lines = report.perAccount.flatMap(({ account, stopped, failed }) => [
    ...(stopped === undefined ? [] : [`account ${account}: ${stopped}`]),
    ...(failed === undefined ? [] : [`account ${account} was not swept: ${failed}`]),
  ]);
  const failed = report.counts.failed;
  if (failed > 0) {
    const which = `${failed} of ${report.meetings.length} ${report.meetings.length === 1 ? "meeting" : "meetings"}`;
    lines.push(`${which} could not be ingested (outcome "failed"); run the sweep again to retry.`);
  }
  const message = lines.pop();
  return message === undefined ? undefined : new PartialFailure(message, { details: lines });
}

/** One meeting as soon as its outcome is known: outcome, start, recording id, Zoom uuid, topic, why. */
function meetingLine(m: SweepMeeting, withAccount: boolean): string {
  const why = m.error ?? m.reason;
  const after =
    why !== undefined ? `: ${why}` : m.recording_path !== undefined ? ` -> ${m.recording_path}` : "";
  const topic = `${withAccount ? `[${m.account}] ` : ""}${m.topic}${after}`;
  return [m.outcome.padEnd(12), m.start_time ?? "?", m.recording_id ?? "?", m.uuid, topic]
    .map((field) => escapeControl(field))
    .join("  ");
}

function summarize(report: SweepReport, line: (text?: string) => void): void {
  const counts = Object.entries(report.counts).flatMap(([outcome, n]) => (n > 0 ? [`${n} ${outcome}`] : []));
  const found =
    counts.length === 0
      ? "no recordings"
      : `${report.meetings.length} ${report.meetings.length === 1 ? "meeting" : "meetings"} (${counts.join(", ")})`;
  line(
    `Swept ${report.accounts.join(", ")} (${report.users} ${report.users === 1 ? "user" : "users"}), ${report.from} to ${report.to}: ${found}.`,
  );
  for (const account of report.perAccount) {
    const listed = account.listing === "per-user" ? "per user" : `by ${account.listing} listing`;
    const stopped =
      account.stopped !== undefined
        ? "; stopped by Zoom's daily limit"
        : account.failed !== undefined
          ? "; listing failed, not swept"
          : "";
    const gone =
      account.usersGone === undefined
        ? ""
        : `; ${account.usersGone} ${account.usersGone === 1 ? "user was" : "users were"} deleted meanwhile`;
    line(
      `  ${account.account}: listed ${listed}, ${account.requests} API ${account.requests === 1 ? "request" : "requests"}${stopped}${gone}`,
    );
  }
  const would = report.counts["would-ingest"];
  const next = would > 0 ? ` Run it without --dry-run to ingest the ${would} marked would-ingest.` : "";
  if (report.dryRun) line(`Dry run: nothing was changed.${next}`);
}

/** 00:00 UTC today. */
const today = () => new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
