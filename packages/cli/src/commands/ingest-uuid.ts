/**
 * `zrec ingest --uuid <meeting uuid>`: archive a recording from Zoom's API, without a webhook file. What
 * the sweep does for each meeting it lists, for the one an operator knows: a missing recording is
 * ingested, a half-archived one completed, an archived one left alone.
 */
import type { IngestEvent, ZoomIngestReport } from "@zrec/core";
import { SilentExit } from "../errors.js";
import type { GlobalOptions } from "../options.js";
import { createOutput, printJson } from "../ui/output.js";
import { createProgress, progressEnabled } from "../ui/progress.js";

const SAID: Record<ZoomIngestReport["outcome"], string> = {
  archived: "is already archived with every file Zoom holds",
  "too-short": "was skipped by the ingest filters",
  processing: "was not ingested: Zoom is still processing it",
  ingested: "is now archived",
  "would-ingest": "would be ingested",
  completed: "is now complete: the files the archive lacked are added",
  incomplete: "lacks files Zoom holds",
};

export async function ingestUuid(
  options: GlobalOptions,
  uuid: string,
  accountName: string | undefined,
): Promise<void> {
  const out = createOutput(options);
  const [core, { withPipeline }] = await Promise.all([import("@zrec/core"), import("../session.js")]);
  // A bad uuid is bad input before anything is opened or asked.
  core.recordingIdFromUuid(uuid);
  const report = await withPipeline(options, async ({ deps }) => {
    const account = core.requireZoomAccount(deps.config, accountName);
    const progress = await createProgress({ enabled: progressEnabled(options), color: options.color });
    const onEvent = (e: IngestEvent) => {
      if (e.type === "file-start") progress.fileStart(e.key, e.total);
      if (e.type === "file-progress") progress.fileProgress(e.key, e.loaded, e.total);
      if (e.type === "file-done") progress.fileDone(e.key, e.size, e.skipped);
      if (e.type === "warning") progress.printAbove(() => out.warn(e.message));
    };
    try {
      progress.status(`Asking Zoom for the recordings of ${uuid}`);
      const meeting = await deps.zoom(account.name).getMeetingRecordings(uuid);
      return {
        account: account.name,
        ...(await core.ingestFromZoom(meeting, account, { ...deps, onEvent })),
      };
    } finally {
      progress.stop();
    }
  });

  if (out.json) printJson(report);
  else {
    const why = report.reason === undefined ? "" : ` (${report.reason})`;
    out.line(`Recording ${report.recording_id} ${SAID[report.outcome]}${why}.`);
    if (report.recording_path !== undefined) out.line(`  path  ${report.recording_path}`);
  }
  if (report.outcome === "processing") {
    process.stderr.write("zrec: run it again once Zoom has finished processing the recording.\n");
    throw new SilentExit(1);
  }
}
