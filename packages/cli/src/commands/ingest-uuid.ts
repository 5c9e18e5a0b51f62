/**
 * `zrec ingest --uuid <meeting uuid>`: archive a recording from Zoom's API, without a webhook file. What
 * the sweep does for each meeting it lists, for the one an operator knows: a missing recording is
 * ingested, a half-archived one completed, an archived one left alone.
 */
import type { IngestEvent, ZoomIngestReport } from "@zrec/core";
import { PartialFailure } from "../errors.js";
import { withProgress } from "../interrupt.js";
import type { GlobalOptions } from "../options.js";
import { showIngestEvent } from "../ui/ingest-events.js";
import { createOutput, printJson } from "../ui/output.js";

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
  if (core.isRecordingId(uuid)) {
    throw new core.InputError(`${uuid} is a recording id (as zrec list shows), not Zoom's meeting uuid.`, {
      suggestion:
        "Pass the document's meeting_uuid (zrec get ID shows it), e.g. --uuid 'JBsMlrqB5IeU+WgyF/TGyw=='.",
    });
  }
  // Zoom knows one spelling: an unpadded or URL-safe copy of the uuid would be answered 404.
  const canonical = core.canonicalMeetingUuid(uuid);
  const stopped = {
    what: "the ingest",
    suggestion: "Run the same command again to finish it; files already stored are not copied again.",
  };
  const report = await withPipeline(
    options,
    ({ deps }) =>
      withProgress(options, stopped, async (progress, signal) => {
        const onEvent = (e: IngestEvent) => showIngestEvent(e, progress, out);
        progress.status(`Asking Zoom for the recordings of ${canonical}`);
        const where = await core.findAtZoom(deps, canonical, accountName);
        if (where.found === "archive") {
          // Left alone, as the usage promises: Zoom holds nothing more of it to copy.
          const { document } = where;
          return {
            account: where.account,
            recording_id: document.recording_id,
            outcome: "archived" as const,
            reason:
              document.zoom_trashed_at !== undefined
                ? "Zoom no longer holds it: trashed after it was archived"
                : `Zoom no longer holds it: deleted since (asked ${where.asked.join(", ")})`,
            recording_path: document.recording_path,
          };
        }
        return {
          account: where.account.name,
          ...(await core.ingestFromZoom(where.meeting, where.account, { ...deps, onEvent, signal })),
        };
      }),
    // A named account is checked before anything is opened; without one, every account is a candidate.
    { check: ({ config }) => accountName !== undefined && core.requireZoomAccount(config, accountName) },
  );

  if (out.json) printJson(report);
  else {
    const why = report.reason === undefined ? "" : ` (${report.reason})`;
    out.line(`Recording ${report.recording_id} ${SAID[report.outcome]}${why}.`);
    if (report.recording_path !== undefined) out.line(`  path  ${report.recording_path}`);
  }
  if (report.outcome === "processing") {
    throw new PartialFailure(
      `Recording ${report.recording_id} is not archived: Zoom is still processing it.`,
      {
        suggestion: "Run the same command again once Zoom has finished processing the recording.",
      },
    );
  }
}
