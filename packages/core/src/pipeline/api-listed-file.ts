/**
 * Which URL a file is downloaded from, and what size it must have. An event signed with the app's secret
 * can name this recording's file ids and point them at other bytes of exactly the same size (another
 * meeting's file, or its own M4A under the MP4's id), which the trash guard's size check cannot tell
 * apart. Zoom's own API list, fetched by ingest-metadata anyway, says where each file id's bytes are:
 * downloading from there archives the recording's own bytes whatever the event says.
 */
import { isObject } from "../validation/is-object.js";
import type { ZoomRecordingFile } from "../zoom/types.js";

export interface DownloadPlan {
  /** The event's file, with the API's download_url and file_size where the API lists its id. */
  file: ZoomRecordingFile;
  /**
   * True when download_url is the API's and differs from the event's: the event's download_token was
   * issued for the event's URLs, so the account's OAuth token is sent instead.
   */
  fromApi: boolean;
}

/**
 * Files listed by Zoom's API, by id, ready for {@link downloadPlan}. Undefined (the list is unknown:
 * the call failed, or the answer had no `recording_files`) keeps every event file as it is.
 *
 * @example
 * const listed = listedById((await zoom.getMeetingRecordings(uuid)).recording_files);
 * const { file, fromApi } = downloadPlan(eventFile, listed);
 */
export function listedById(files: unknown): Map<string, ZoomRecordingFile> | undefined {
  if (!Array.isArray(files)) return undefined;
  const byId = new Map<string, ZoomRecordingFile>();
  for (const file of files as ZoomRecordingFile[]) {
    if (isObject(file) && typeof file.id === "string" && file.id !== "") {
      byId.set(file.id, file);
    }
  }
  return byId;
}

/**
 * The file as it is to be downloaded. A file without an id (Zoom gives none for CC and TIMELINE files),
 * or one the API does not list (still processing, or the list is unknown), keeps the event's URL and
 * size, as before; the trash guard in finish-ingest still checks what it can of those.
 */
export function downloadPlan(
  file: ZoomRecordingFile,
  listed: ReadonlyMap<string, ZoomRecordingFile> | undefined,
): DownloadPlan {
  const api = typeof file.id === "string" && file.id !== "" ? listed?.get(file.id) : undefined;
  if (api === undefined) return { file, fromApi: false };
  const apiUrl =
    typeof api.download_url === "string" && api.download_url !== "" ? api.download_url : undefined;
  const fromApi = apiUrl !== undefined && apiUrl !== file.download_url;
  return {
    file: {
      ...file,
      ...(fromApi ? { download_url: apiUrl } : {}),
      ...(typeof api.file_size === "number" ? { file_size: api.file_size } : {}),
    },
    fromApi,
  };
}
