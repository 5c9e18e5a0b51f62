/** `zrec sweep-missed`: finds the recordings Zoom holds that the archive lacks, and ingests them. */
import type { IngestEvent, SweepMeeting, SweepReport } from "@zrec/core";
import { Command, Option } from "commander";
import { Interrupted, SilentExit } from "../errors.js";
import { globalOptions } from "../options.js";
import { createOutput, escapeControl, printJson, resumedLine } from "../ui/output.js";
import { createProgress, progressEnabled } from "../ui/progress.js";
import { parseDay } from "./purge-old.js";

/** The default window: this many UTC days, the last of them today. */

interface SweepFlags {
  account?: string[];
  allAccounts?: boolean;
  from?: string;
  to?: string;
  dryRun?: boolean;
  concurrency?: string;
}

export function sweepMissedCommand(): Command {
  return new Command("sweep-missed")
    .description("ingest the recordings Zoom holds that the archive lacks (a webhook that never came)")
    .addOption(
      new Option("--account <name>", "sweep this account of zoom.accounts; repeat for several")
        .argParser((value: string, previous: string[] = []) => [...previous, value])
        .conflicts("allAccounts"),
    )
    .option("--all-accounts", "sweep every account in zoom.accounts (what happens without --account)")
    .option("--from <date>", "first UTC day, YYYY-MM-DD (default: 29 days before --to)")
    .option("--to <date>", "last UTC day, YYYY-MM-DD (default: today)")
    .option("--dry-run", "list what would be ingested and change nothing")
    .option("--concurrency <n>", "missing meetings ingested at once (default 2)")
    .addHelpText("after", "\nExit 1 when a meeting could not be ingested (the others still are).")
    .action(async (flags: SweepFlags, command: Command) => {
      const options = globalOptions(command);
      const out = createOutput(options);
      const [core, { withPipeline }] = await Promise.all([import("@zrec/core"), import("../session.js")]);
      const problem = (message: string) => new core.InputError(message);
      const to = flags.to === undefined ? today() : parseDay(flags.to, "--to", problem);
      const from =
        flags.from === undefined ? core.defaultSweepFrom(to) : parseDay(flags.from, "--from", problem);
      // A reversed window is refused by core, naming both days.
      const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
      if (concurrency !== undefined && !(/^\d+$/.test(flags.concurrency ?? "") && concurrency >= 1)) {
        throw problem(`--concurrency ${JSON.stringify(flags.concurrency)} is not a positive whole number.`);
      }
      const request = {
        accounts: flags.account ?? [],
        from,
        to,
        ...(flags.dryRun ? { dryRun: true } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
      };

      const report = await withPipeline(options, async ({ deps }) => {
        const progress = await createProgress({ enabled: progressEnabled(options), color: options.color });
        const interrupt = new AbortController();
        const onSigint = () => {
          progress.printAbove(() => process.stderr.write("zrec: stopping (Ctrl+C again to quit at once)\n"));
          interrupt.abort();
        };
        process.once("SIGINT", onSigint);
        const manyAccounts = Object.keys(deps.config.zoom.accounts).length > 1;
        let checked = 0;
        const onMeeting = (meeting: SweepMeeting) => {
          progress.printAbove(() => out.line(meetingLine(meeting, manyAccounts)));
          progress.status(`Listing and ingesting: ${++checked} meetings checked`);
        };
        // The files of the meetings being ingested, one line each, as `zrec ingest` shows them.
        const onEvent = (e: IngestEvent) => {
          if (e.type === "file-start") progress.fileStart(e.key, e.total);
          if (e.type === "file-progress") progress.fileProgress(e.key, e.loaded, e.total);
          if (e.type === "file-resumed") progress.printAbove(() => out.note(resumedLine(e)));
          if (e.type === "file-done") progress.fileDone(e.key, e.size, e.skipped);
          if (e.type === "warning") progress.printAbove(() => out.warn(e.message));
        };
        try {
          progress.status("Listing users and their recordings");
          const sweepDeps = { ...deps, onEvent, signal: interrupt.signal };
          const result = await core.sweepMissed(sweepDeps, { ...request, onMeeting });
          if (interrupt.signal.aborted) throw new Error("aborted");
          return result;
        } catch (error) {
          if (!interrupt.signal.aborted) throw error;
          throw new Interrupted("the sweep", {
            cause: error,
            suggestion: "Run the same sweep again: what it ingested is now archived and is not copied twice.",
          });
        } finally {
          process.off("SIGINT", onSigint);
          progress.stop();
        }
      });

      if (out.json) printJson(report);
      else summarize(report, out.line);
      const stopped = report.perAccount.filter((account) => account.stopped !== undefined);
      for (const account of stopped)
        process.stderr.write(`zrec: account ${account.account}: ${account.stopped}\n`);
      const failed = report.counts.failed;
      if (failed === 0 && stopped.length > 0) throw new SilentExit(1);
      if (failed === 0) return;
      const which = `${failed} of ${report.meetings.length} meetings`;
      process.stderr.write(
        `zrec: ${which} could not be ingested (outcome "failed"); run the sweep again to retry.\n`,
      );
      throw new SilentExit(1);
    });
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
    counts.length === 0 ? "no recordings" : `${report.meetings.length} meetings (${counts.join(", ")})`;
  line(
    `Swept ${report.accounts.join(", ")} (${report.users} users), ${report.from} to ${report.to}: ${found}.`,
  );
  for (const account of report.perAccount) {
    const listed = account.listing === "per-user" ? "per user" : `by ${account.listing} listing`;
    const stopped = account.stopped === undefined ? "" : "; stopped by Zoom's daily limit";
    line(`  ${account.account}: listed ${listed}, ${account.requests} API requests${stopped}`);
  }
  const would = report.counts["would-ingest"];
  const next = would > 0 ? ` Run it without --dry-run to ingest the ${would} marked would-ingest.` : "";
  if (report.dryRun) line(`Dry run: nothing was changed.${next}`);
}

const utcDay = (date: Date) => date.toISOString().slice(0, 10);
const today = () => new Date(`${utcDay(new Date())}T00:00:00Z`);
