/** `zrec purge-old`: lists the recordings due for deletion, and with `--yes` deletes them. */
import type { PurgeReport } from "@zrec/core";
import { Command, Option } from "commander";
import { utcDay } from "../arg-parsers.js";
import { PartialFailure } from "../errors.js";
import { withGlobals } from "../options.js";
import { formatBytes, formatTable, printJson } from "../ui/output.js";

interface PurgeFlags {
  dryRun?: boolean;
  yes?: boolean;
  asOf?: Date;
}

export function purgeOldCommand(): Command {
  return new Command("purge-old")
    .addOption(
      new Option("--dry-run", "only list what is due; the same as leaving out --yes").conflicts("yes"),
    )
    .option("--yes", "delete them: every object under {id}/ and the index row; one `deleted` message each")
    .option("--as-of <date>", "decide what is due as on this UTC day, YYYY-MM-DD (default: today)", utcDay)
    .addHelpText(
      "after",
      '\nDue: a disposition {"action": "delete", "after": DATE} with DATE reached, and, only when\n' +
        "purge.olderThanDays is set, recordings without a disposition that started longer ago than that.\n" +
        "Exit 1 when a recording could not be deleted: its document and index row stay, and a re-run retries it.",
    )
    .action(
      withGlobals(async ({ options, out }, flags: PurgeFlags) => {
        const [core, { withExistingBackends }] = await Promise.all([
          import("@zrec/core/archive"),
          import("../session.js"),
        ]);
        const asOf = flags.asOf ?? new Date();
        const execute = flags.yes === true;

        const report = await withExistingBackends(options, ({ backends }, { config }) =>
          core.purgeOld({ backends, config }, { asOf, execute }),
        );

        if (out.json) printJson(report);
        else summarize(report, { ...flags, ...(options.config ? { config: options.config } : {}) }, out.line);
        if (report.failed > 0) {
          const which = report.failed === 1 ? "1 recording" : `${report.failed} recordings`;
          throw new PartialFailure(
            `${which} of ${report.candidates.length} could not be deleted and ${report.failed === 1 ? "is" : "are"} still indexed; run \`zrec purge-old --yes\` again to retry.`,
          );
        }
      }),
    );
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
