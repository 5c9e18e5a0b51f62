/** `zrec rebuild-db`: rebuilds the index from the recording documents in the store. */
import type { RebuildProgress, RebuildReport } from "@zrec/core";
import { Command } from "commander";
import { PartialFailure } from "../errors.js";
import { withGlobals } from "../options.js";
import { printJson } from "../ui/output.js";
import { createProgress, progressEnabled } from "../ui/progress.js";

interface Where {
  store: string;
  index: string;
  seconds: number;
}

export function rebuildDbCommand(): Command {
  return new Command("rebuild-db")
    .option("--dry-run", "read and check every document, write nothing")
    .addHelpText(
      "after",
      "\nReads documents written by zrec or by the older system. Rows are added or replaced, never\n" +
        "removed, and nothing is notified. Each bad document is named on stderr; exit 1 when there was\n" +
        "any, after the good ones were indexed all the same.",
    )
    .action(
      withGlobals(async ({ options, out }, flags: { dryRun?: boolean }) => {
        const [core, { withExistingBackends }] = await Promise.all([
          import("@zrec/core/archive"),
          import("../session.js"),
        ]);
        const dryRun = flags.dryRun === true;

        const { report, where } = await withExistingBackends(
          options,
          async ({ backends }) => {
            const progress = await createProgress({
              enabled: progressEnabled(options),
              color: options.color,
            });
            const started = performance.now();
            const seconds = () => (performance.now() - started) / 1000;
            const onProgress = (p: RebuildProgress) =>
              progress.status(
                `${dryRun ? "Checked" : "Indexed"} ${p.indexed} of ${p.scanned} documents read, ${p.bad} bad (${perSecond(p.scanned, seconds())})`,
              );
            try {
              progress.status(`Reading recording documents from ${backends.store.description}`);
              const report = await core.rebuildDb({ backends }, { dryRun, onProgress });
              const where = {
                store: backends.store.description,
                index: backends.index.description,
                seconds: seconds(),
              };
              return { report, where };
            } finally {
              progress.stop();
            }
          },
          {
            // The index is what this command makes; the store is what it reads, and must be there.
            needs: ["storage.root"],
            // A lost index is built in a new file and put in place at the end (docs/decisions.md); a
            // dry run writes nothing, so it opens the index as before.
            rebuildingIndex: !dryRun,
          },
        );

        if (out.json) printJson({ ...report, seconds: Number(where.seconds.toFixed(3)) });
        else summarize(report, where, out.line);
        if (report.bad.length > 0) {
          const bad = report.bad.length;
          const good = dryRun
            ? `${report.indexed} ${report.indexed === 1 ? "is" : "are"} good (dry run: nothing was written)`
            : report.indexed === 1
              ? "the good one was indexed"
              : `the ${report.indexed} good ones were indexed`;
          // Errors, so on stderr and shown even with --quiet: which document, and why.
          const details = report.bad.map(({ key, reason }) =>
            reason.includes(key) ? reason : `${key}: ${reason}`,
          );
          throw new PartialFailure(
            `${bad} of ${report.scanned} recording ${report.scanned === 1 ? "document" : "documents"} ${bad === 1 ? "is" : "are"} bad (named above) and not indexed; ${good}.`,
            { details },
          );
        }
      }),
    );
}

function perSecond(documents: number, seconds: number): string {
  return seconds < 0.2 ? "…/s" : `${Math.round(documents / seconds)}/s`;
}

function summarize(report: RebuildReport, where: Where, line: (text?: string) => void): void {
  if (report.scanned === 0) {
    line(`No {recording_id}/recording_document.json in ${where.store}; nothing was indexed.`);
    return;
  }
  const read = `${report.scanned} read, ${report.bad.length} bad`;
  // A small store is read in milliseconds, and "0.0 s" reads as if nothing happened; a rate measured
  // over a few milliseconds says nothing of the pace (a rate of 250/s for 1 document in 4 ms).
  const timing =
    where.seconds < 0.1
      ? `${Math.max(1, Math.round(where.seconds * 1000))} ms`
      : `${where.seconds.toFixed(1)} s, ${perSecond(report.scanned, where.seconds)}`;
  const documents = `recording ${report.indexed === 1 ? "document" : "documents"}`;
  if (report.dryRun) {
    line(
      `Dry run: ${report.indexed} ${documents} in ${where.store} ${report.indexed === 1 ? "is" : "are"} good (${read}, ${timing}); nothing was written to ${where.index}.`,
    );
    return;
  }
  line(
    `Indexed ${report.indexed} ${documents} from ${where.store} into ${where.index} (${read}, ${timing}).`,
  );
}
