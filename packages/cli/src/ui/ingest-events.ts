/** An ingest's events as the commands that copy show them: the file lines of the progress, warnings above. */
import type { IngestEvent } from "@zrec/core";
import { type Output, resumedLine } from "./output.js";
import type { Progress } from "./progress.js";

/**
 * @example
 * const onEvent = (event: IngestEvent) => showIngestEvent(event, progress, out);
 */
export function showIngestEvent(event: IngestEvent, progress: Progress, out: Output): void {
  switch (event.type) {
    case "metadata":
      progress.status(
        `Recording ${event.recording_id} (${event.topic}): ${event.files} file${event.files === 1 ? "" : "s"}`,
      );
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
      progress.printAbove(() => out.warn(event.message));
      break;
  }
}
