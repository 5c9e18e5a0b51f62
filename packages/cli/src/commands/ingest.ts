/** `zrec ingest <webhook.json>`: archive one recording event, as the webhook would have. */
import type { Config, IngestEvent, IngestResult } from "@zrec/core";
import { Command } from "commander";
import { Interrupted } from "../errors.js";
import { globalOptions } from "../options.js";
import { createOutput, formatBytes, formatTable, type Output, printJson, resumedLine } from "../ui/output.js";
import { createProgress, type Progress, progressEnabled } from "../ui/progress.js";

interface Where {
  store: string;
  index: string;
  config: Config;
}

export function ingestCommand(): Command {
  return new Command("ingest")
    .description("archive the recording of a recording.completed event saved as JSON")
    .argument("<webhook.json>", "the webhook request body (as Zoom sent it, or from its webhook logs)")
    .option("--remote", "start the ingest on AWS (the deployed start-ingest function) instead of here")
    .addHelpText(
      "after",
      "\nRunning it again is safe: stored files are not copied again and nothing is sent twice.\n" +
        "Exit 1 when a file could not be copied; nothing is trashed then.",
    )
    .action(async (file: string, flags: { remote?: boolean }, command: Command) => {
      const options = globalOptions(command);
      const out = createOutput(options);
      const [core, { readJsonFile }, { withPipeline }] = await Promise.all([
        import("@zrec/core"),
        import("../json-file.js"),
        import("../session.js"),
      ]);
      const event = core.parseRecordingEvent(await readJsonFile(file, process.cwd()), file);
      if (flags.remote)
        return (await import("../remote.js")).runRemote(options, "startIngestFunction", event);

      const warned = new Set<string>();
      const { result, where } = await withPipeline(options, async ({ deps, backends }, { config }) => {
        const progress = await createProgress({ enabled: progressEnabled(options), color: options.color });
        const interrupt = new AbortController();
        const onSigint = () => {
          progress.printAbove(() => process.stderr.write("zrec: stopping (Ctrl+C again to quit at once)\n"));
          interrupt.abort();
        };
        // `once`: a second Ctrl+C gets Node's default, which ends the process at once.
        process.once("SIGINT", onSigint);
        try {
          progress.status(`Reading the meeting of ${file}`);
          const onEvent = (e: IngestEvent) => report(e, progress, out, warned);
          const result = await core.runIngest(event, { ...deps, onEvent, signal: interrupt.signal });
          return {
            result,
            where: { store: backends.store.description, index: backends.index.description, config },
          };
        } catch (error) {
          if (!interrupt.signal.aborted) throw error;
          throw new Interrupted("the ingest", {
            cause: error,
            suggestion: "Run the same ingest again to finish it; files already stored are not copied again.",
          });
        } finally {
          process.off("SIGINT", onSigint);
          progress.stop();
        }
      });

      for (const warning of result.warnings) if (!warned.has(warning)) out.warn(warning);
      if (out.json) printJson(result);
      else summarize(result, where, out);
    });
}

function report(event: IngestEvent, progress: Progress, out: Output, warned: Set<string>): void {
  switch (event.type) {
    case "metadata":
      progress.status(`Recording ${event.recording_id} (${event.topic}): ${event.files} files`);
      break;
    case "file-start":
      progress.fileStart(event.key, event.total);
      break;
    case "file-progress":
      progress.fileProgress(event.key, event.loaded, event.total);
      break;
    case "file-resumed":
      progress.printAbove(() => out.note(resumedLine(event)));
      break;
    case "file-done":
      progress.fileDone(event.key, event.size, event.skipped);
      break;
    case "warning":
      warned.add(event.message);
      progress.printAbove(() => out.warn(event.message));
      break;
  }
}

function summarize(result: IngestResult, where: Where, out: Output): void {
  if (result.status === "skipped") {
    out.line(`Skipped recording ${result.recording_id}: ${result.reason ?? "nothing to archive"}.`);
    return;
  }
  const files = result.files.map((f) => [f.key, formatBytes(f.size), `sha256 ${f.sha256.slice(0, 12)}…`]);
  const notified = result.notified
    ? "yes"
    : where.config.notify.type === "none"
      ? "no (notify.type is none)"
      : "no (nothing changed since the last ingest)";
  const trashed = {
    trashed: "yes, moved to Zoom's trash",
    "already-gone": "yes (it was already gone from Zoom)",
    "not-configured": where.config.ingest.trashAfterIngest ? "no" : "no (ingest.trashAfterIngest is off)",
    incomplete: "no: Zoom still holds files of it that are not archived (see the warning)",
  }[result.trashed];

  out.line(`Ingested recording ${result.recording_id}`);
  out.line(`  path      ${result.recording_path ?? "?"}`);
  out.line(`  files     ${result.files.length}`);
  if (files.length > 0) out.line(indent(formatTable(["key", "size", "checksum"], files), 4));
  out.line(`  document  ${result.document_key ?? "?"} in ${where.store}`);
  out.line(`  index     row ${result.recording_id} in ${where.index}`);
  out.line(`  notified  ${notified}`);
  out.line(`  trashed   ${trashed}`);
}

const indent = (text: string, spaces: number) =>
  text
    .split("\n")
    .map((line) => " ".repeat(spaces) + line)
    .join("\n");
