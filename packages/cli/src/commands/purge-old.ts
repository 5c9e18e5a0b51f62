/** `zrec purge-old`: lists the recordings due for deletion, and with `--yes` deletes them. */
import type { PurgeReport } from "@zrec/core";
import { Command, Option } from "commander";
import { SilentExit } from "../errors.js";
import { globalOptions } from "../options.js";
import { createOutput, formatBytes, formatTable, printJson } from "../ui/output.js";

interface PurgeFlags {
  dryRun?: boolean;
  yes?: boolean;
  asOf?: string;
}

export function purgeOldCommand(): Command {
  return new Command("purge-old")
    .description("delete the recordings whose disposition says they are due (lists them without --yes)")
    .addOption(
      new Option("--dry-run", "only list what is due; the same as leaving out --yes").conflicts("yes"),
    )
    .option("--yes", "delete them: every object under {id}/ and the index row; one `deleted` message each")
    .option("--as-of <date>", "decide what is due as on this UTC day, YYYY-MM-DD (default: today)")
    .addHelpText(
      "after",
      '\nDue: a disposition {"action": "delete", "after": DATE} with DATE reached, and, only when\n' +
        "purge.olderThanDays is set, recordings without a disposition that started longer ago than that.\n" +
        "Exit 1 when a recording could not be deleted: its document and index row stay, and a re-run retries it.",
    )
    .action(async (flags: PurgeFlags, command: Command) => {
      const options = globalOptions(command);
      const out = createOutput(options);
      const [core, { withExistingBackends }] = await Promise.all([
        import("@zrec/core/archive"),
        import("../session.js"),
      ]);
      const problem = (message: string) => new core.InputError(message);
      const asOf = flags.asOf === undefined ? new Date() : parseDay(flags.asOf, "--as-of", problem);
      const execute = flags.yes === true;

      const report = await withExistingBackends(options, ({ backends }, { config }) =>
        core.purgeOld({ backends, config }, { asOf, execute }),
      );

      if (out.json) printJson(report);
      else summarize(report, { ...flags, ...(options.config ? { config: options.config } : {}) }, out.line);
      if (report.failed > 0) {
        const which = report.failed === 1 ? "1 recording" : `${report.failed} recordings`;
        process.stderr.write(
          `zrec: ${which} of ${report.candidates.length} could not be deleted and ${report.failed === 1 ? "is" : "are"} still indexed; run \`zrec purge-old --yes\` again to retry.\n`,
        );
        throw new SilentExit(1);
      }
    });
}

function summarize(
  report: PurgeReport,
  flags: PurgeFlags & { config?: string },
  line: (text?: string) => void,
): void {
  const count = (n: number) => (n === 1 ? "1 recording" : `${n} recordings`);
  if (report.candidates.length === 0) {
    line(`Nothing is due for deletion as of ${report.asOf} (${count(report.scanned)} looked at).`);
    return;
  }
  const rows = report.candidates.map((c) => [
    c.recording_id,
    c.recording_path,
    c.meeting_topic,
    formatBytes(c.bytes),
    report.executed
      ? c.deleted
        ? `deleted (${c.objects ?? 0} objects)`
        : `FAILED: ${c.error ?? "unknown error"}`
      : c.detail,
  ]);
  const last = report.executed ? "result" : "why";
  line(formatTable(["recording_id", "recording_path", "topic", "size", last], rows));
  line();
  const size = formatBytes(report.bytes);
  if (!report.executed) {
    const config = flags.config === undefined ? "" : ` --config ${flags.config}`;
    const asOf = flags.asOf === undefined ? "" : ` --as-of ${report.asOf}`;
    line(`${count(report.candidates.length)} (${size}) due as of ${report.asOf}. Nothing was deleted.`);
    line(
      `To delete ${report.candidates.length === 1 ? "it" : "them"}, run: zrec${config} purge-old --yes${asOf}`,
    );
    return;
  }
  const failed = report.failed > 0 ? `; ${report.failed} could not be deleted` : "";
  line(`Deleted ${count(report.deleted)} as of ${report.asOf} (of ${size} due)${failed}.`);
}

/** A calendar day written YYYY-MM-DD (`--as-of`, and sweep-missed's `--from`/`--to`), as 00:00 UTC that day. */
export function parseDay(value: string, option: string, problem: (message: string) => Error): Date {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  if (date && !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)) return date;
  throw problem(`${option} ${JSON.stringify(value)} is not a date: write a UTC day as YYYY-MM-DD.`);
}
