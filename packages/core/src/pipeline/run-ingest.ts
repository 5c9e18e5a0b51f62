/**
 * The whole ingest in one process: the same three stages Step Functions runs, with up to
 * `ingest.fileConcurrency` files copied at once, from the moment Zoom has listed them.
 */
import pLimit from "p-limit";
import { IngestFailed, messageOf } from "../errors.js";
import { untilAborted } from "../until-aborted.js";
import type { ZoomRecordingEvent } from "../zoom/types.js";
import { parseRecordingEvent } from "../zoom/webhook.js";
import type { PipelineDeps } from "./deps.js";
import { skipReason } from "./filters.js";
import { finishIngest } from "./finish-ingest.js";
import { type PlannedIngest, planIngest } from "./ingest-metadata.js";
import { prepareRetrieval, retrieveRecording } from "./retrieve-recording.js";
import type { FinishIngestOutput, ReadyMetadata, StoredFile } from "./types.js";

export interface IngestResult {
  status: "ingested" | "skipped";
  recording_id: string;
  /** Why a skipped event was not archived. */
  reason?: string;
  recording_path?: string;
  document_key?: string;
  files: Pick<StoredFile, "key" | "size" | "sha256" | "recording_type">[];
  notified: boolean;
  trashed: FinishIngestOutput["trashed"];
  warnings: string[];
}

/**
 * Archives one recording event end to end.
 * @example
 * const result = await runIngest(JSON.parse(await readFile("webhook.json", "utf8")), pipeline.deps);
 * console.log(result.recording_path);
 */
export async function runIngest(event: unknown, deps: PipelineDeps): Promise<IngestResult> {
  const parsed = parseRecordingEvent(event, "the event");
  // The copies' buffers are readied on the hashing thread while Zoom's API answers the metadata stage.
  if (skipReason(parsed, deps.config) === undefined) {
    prepareRetrieval(parsed.payload.object.recording_files ?? [], deps);
  }
  // The copies start once Zoom has listed the files; the past and parent meeting are asked for and
  // stored while they run, and the document's draft is made once they are under way (planIngest).
  let underWay = () => {};
  const copiesUnderWay = new Promise<void>((resolve) => {
    underWay = resolve;
  });
  const stop = new AbortController();
  const onAbort = () => stop.abort(deps.signal?.reason);
  if (deps.signal?.aborted) onAbort();
  else deps.signal?.addEventListener("abort", onAbort, { once: true });
  const copyDeps: PipelineDeps = {
    ...deps,
    signal: stop.signal,
    onEvent: (event) => {
      if (event.type === "file-progress" || event.type === "file-done") underWay();
      deps.onEvent?.(event);
    },
  };
  try {
    return await ingestPlanned(
      parsed,
      copyDeps,
      await planIngest({ event: parsed }, copyDeps, copiesUnderWay),
      { underWay, stop, caller: deps.signal },
    );
  } finally {
    deps.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Copies the planned files and finishes the ingest. Should the meeting's description fail meanwhile,
 * the copies are stopped (their checkpoints kept for the next run) and its error is the ingest's.
 */
async function ingestPlanned(
  parsed: ZoomRecordingEvent,
  deps: PipelineDeps,
  planned: PlannedIngest,
  {
    underWay,
    stop,
    caller,
  }: { underWay: () => void; stop: AbortController; caller: AbortSignal | undefined },
): Promise<IngestResult> {
  if (planned.status === "skipped") {
    return {
      status: "skipped",
      recording_id: planned.recording_id,
      reason: planned.reason,
      files: [],
      notified: false,
      trashed: "not-configured",
      warnings: [],
    };
  }
  const described = planned.described.catch((error: unknown) => {
    stop.abort(error);
    throw error;
  });
  // Awaited once the copies have settled: until then its failure must not count as unhandled.
  described.catch(() => {});
  const limit = pLimit(deps.config.ingest.fileConcurrency);
  const settled = await Promise.allSettled(
    planned.files.map((task) =>
      limit(() =>
        retrieveRecording(
          {
            task,
            ...(parsed.download_token !== undefined ? { download_token: parsed.download_token } : {}),
            ...(parsed.event_ts !== undefined ? { event_ts: parsed.event_ts } : {}),
          },
          deps,
        ),
      ),
    ),
  );
  underWay();
  const failed = copiesFailed(planned.recording_id, planned.files, settled);
  // Stopped by the caller (Ctrl+C, a shutdown): the copies are, and Zoom's slower answers about the
  // meeting are not waited for.
  const description = await untilAborted(described, caller).catch((error: unknown) => {
    throw caller?.aborted && failed ? failed : error;
  });
  if (failed) throw failed;
  const metadata: ReadyMetadata = {
    status: "ready",
    recording_id: planned.recording_id,
    event: planned.event,
    zoom_account: planned.zoom_account,
    files: planned.files,
    ...description,
  };
  const files = settled.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));

  const finished = await finishIngest({ metadata, files }, deps);
  return {
    status: "ingested",
    recording_id: finished.recording_id,
    recording_path: finished.recording_path,
    document_key: finished.document_key,
    files: files.map(({ key, size, sha256, recording_type }) => ({ key, size, sha256, recording_type })),
    notified: finished.notified,
    trashed: finished.trashed,
    warnings: metadata.warnings,
  };
}

/** The copies' failures as one error, or undefined when every file was stored. */
function copiesFailed(
  recordingId: string,
  tasks: { key: string }[],
  settled: PromiseSettledResult<StoredFile>[],
): IngestFailed | undefined {
  const rejected = settled.flatMap((outcome, i) =>
    outcome.status === "rejected" ? [{ key: tasks[i]?.key ?? "?", reason: outcome.reason }] : [],
  );
  if (rejected.length === 0) return undefined;
  const failures = rejected.map(({ key, reason }) => ({ key, message: messageOf(reason) }));
  // The reasons travel as the cause, so `retryVerdict` can tell a CDN that was down (worth another
  // ingest later) from a download that was refused (refused again next time).
  const cause = new AggregateError(
    rejected.map(({ reason }) => reason),
    `${rejected.length} of ${tasks.length} files failed`,
  );
  return new IngestFailed(recordingId, failures, { cause });
}
