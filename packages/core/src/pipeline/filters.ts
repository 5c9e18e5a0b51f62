import type { Config } from "../config/types.js";
import type { ZoomRecordingEvent } from "../zoom/types.js";

/** Why an event is not archived, or undefined when it passes every configured filter. */
export function skipReason(event: ZoomRecordingEvent, config: Config): string | undefined {
  const minimum = config.ingest.minimumDurationMinutes;
  const duration = event.payload.object.duration;
  // transcript_completed only adds files to a recording that already passed the filters.
  if (
    event.event === "recording.completed" &&
    minimum > 0 &&
    typeof duration === "number" &&
    duration < minimum
  ) {
    return `the meeting lasted ${duration} minute(s), less than ingest.minimumDurationMinutes (${minimum})`;
  }
  return undefined;
}
