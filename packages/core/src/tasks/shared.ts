/** Small helpers the tasks share. */
import type { RecordingFileEntry } from "../recording/document.js";

/** The UTC calendar date of `date`, YYYY-MM-DD. */
export function utcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * The store key of a document's file entry. zrec writes `key`; the older system did not, but its
 * `s3_url` ends in `{recording_id}/{file name}`. Undefined when neither names a key in the recording's
 * folder, so that nothing outside it is ever looked at.
 */
export function fileKeyOf(file: RecordingFileEntry, recordingId: string): string | undefined {
  if (typeof file.key === "string") return file.key.startsWith(`${recordingId}/`) ? file.key : undefined;
  const path = file.s3_url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "").split(/[?#]/)[0] ?? "";
  const [folder, name] = path.split("/").slice(-2);
  if (folder === undefined || name === undefined || name === "") return undefined;
  try {
    const key = `${decodeURIComponent(folder)}/${decodeURIComponent(name)}`;
    return key.startsWith(`${recordingId}/`) && !key.slice(recordingId.length + 1).includes("/")
      ? key
      : undefined;
  } catch {
    return undefined;
  }
}
