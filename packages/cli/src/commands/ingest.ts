/** `zrec ingest <webhook.json>`: archive one recording event, as the webhook would have. */

import path from "node:path";
import type { Config, IngestEvent, IngestResult } from "@zrec/core";
import { Command } from "commander";
import { UsageError } from "../errors.js";
import { withProgress } from "../interrupt.js";
import { withGlobals } from "../options.js";
import { showIngestEvent } from "../ui/ingest-events.js";
import { formatBytes, formatTable, type Output, printJson } from "../ui/output.js";

interface Where {
  store: string;
  index: string;
  config: Config;
}

interface IngestFlags {
  remote?: boolean;
  uuid?: string;
  account?: string;
}

export function ingestCommand(): Command {
  return new Command("ingest")
    .argument("[webhook.json]", "the webhook request body (as Zoom sent it, or from its webhook logs)")
    .option("--remote", "start the ingest on AWS (the deployed start-ingest function) instead of here")
    .option("--uuid <meeting uuid>", "archive this recording from Zoom's API instead of a webhook file")
    .option("--account <name>", "with --uuid: the account of zoom.accounts that holds it")
    .addHelpText(
      "after",
      "\nRunning it again is safe: stored files are not copied again and nothing is sent twice.\n" +
        "Exit 1 when a file could not be copied; nothing is trashed then.",
    )
    .action(
      withGlobals(async ({ options, out }, file: string | undefined, flags: IngestFlags) => {
        if (flags.uuid !== undefined || file === undefined) {
          if (file !== undefined || flags.remote || flags.uuid === undefined) {
            throw new UsageError(
              "zrec ingest takes either a webhook file or --uuid (and --remote only with a file).",
              "Run `zrec ingest webhook.json`, or `zrec ingest --uuid <meeting uuid> [--account NAME]`.",
            );
          }
          return (await import("./ingest-uuid.js")).ingestUuid(options, flags.uuid, flags.account);
        }
        if (flags.account !== undefined) throw new UsageError("--account goes with --uuid only.");
        const [{ readJsonFile }, { withPipeline, resolveFor, missingLocalPaths, configName }] =
          await Promise.all([import("../json-file.js"), import("../session.js")]);
        const raw = await readJsonFile(file, process.cwd());
        // The configuration is read before the rest of core loads, so that the copy can get ready
        // meanwhile (ready-copies.ts); what is wrong with it is still reported after the event's faults.
        const resolving = flags.remote ? undefined : resolveFor(options);
        // Awaited below, after the event is checked: until then its failure must not count as unhandled.
        resolving?.catch(() => {});
        if (resolving) await (await import("../ready-copies.js")).readyCopies(raw, resolving);
        const core = await import("@zrec/core");
        const event = core.parseRecordingEvent(raw, file);
        if (flags.remote || !resolving)
          return (await import("../remote.js")).runRemote(options, "startIngestFunction", event);

        // Said once, in the summary: a mistyped storage.root would otherwise become a new archive silently.
        const resolved = await resolving;
        const created = missingLocalPaths(resolved)
          .filter((local) => local.key !== "notify.path")
          .map((local) => `${local.path} (${local.key} in ${configName(resolved)})`);
        const warned = new Set<string>();
        const recordingId = core.recordingIdFromUuid(event.payload.object.uuid);
        const { lockRecording } = await import("../ingest-lock.js");
        const lock = await lockRecording(lockFolder(resolved, core), recordingId, {
          onWait: ({ pid, host }) =>
            out.warn(
              `another zrec ingest of recording ${recordingId} (pid ${pid} on ${host}) is running; waiting for it to finish.`,
            ),
        });
        let result: IngestResult;
        let where: Where;
        try {
          ({ result, where } = await withPipeline(options, ({ deps, backends }, { config }) =>
            withProgress(options, stoppedIngest, async (progress, signal) => {
              progress.status(`Reading the meeting of ${file}`);
              const onEvent = (e: IngestEvent) => {
                if (e.type === "warning") warned.add(e.message);
                showIngestEvent(e, progress, out);
              };
              const result = await core.runIngest(event, { ...deps, onEvent, signal });
              return {
                result,
                where: { store: backends.store.description, index: backends.index.description, config },
              };
            }),
          ));
        } finally {
          await lock.release();
        }

        for (const warning of result.warnings) if (!warned.has(warning)) out.warn(warning);
        if (out.json) printJson(result);
        else summarize(result, where, out);
        for (const what of created) out.line(`  created   ${what}`);
      }),
    );
}

const stoppedIngest = {
  what: "the ingest",
  suggestion: "Run the same ingest again to finish it; files already stored are not copied again.",
};

/**
 * Where the per-recording locks live: inside a folder store (under its temporary folder, which no
 * listing shows), else beside the job queue; either way on this machine.
 */
function lockFolder(
  resolved: { config: Config; baseDir: string },
  core: typeof import("@zrec/core"),
): string {
  const { config, baseDir } = resolved;
  const root = core.localBackendPaths(config, baseDir).find((local) => local.key === "storage.root");
  if (root !== undefined) return path.join(root.path, ".zrec-tmp", "locks");
  return path.join(path.dirname(core.jobQueuePath(config, baseDir)), ".zrec-locks");
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
    unknown: "no: Zoom's answer did not list its files (see the warning)",
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
