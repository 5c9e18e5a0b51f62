/**
 * What each Zoom recording file is (MIME type, extension, recording type) and what it is called in the
 * archive. Names are built from untrusted payload fields, so they are reduced to `[a-z0-9_]` first.
 */
import type { ZoomRecordingFile } from "../zoom/types.js";
import type { RecordingFileEntry } from "./document.js";

/** DESIGN.md's table; TIMELINE is text/vtt because the older system stored it so. */
const FILE_TYPES: Record<string, { mimeType: string; extension: string }> = {
  MP4: { mimeType: "video/mp4", extension: "mp4" },
  M4A: { mimeType: "audio/m4a", extension: "m4a" },
  TIMELINE: { mimeType: "text/vtt", extension: "vtt" },
  TRANSCRIPT: { mimeType: "text/vtt", extension: "vtt" },
  CC: { mimeType: "text/vtt", extension: "vtt" },
  CHAT: { mimeType: "text/plain", extension: "txt" },
  CSV: { mimeType: "text/csv", extension: "csv" },
  SUMMARY: { mimeType: "application/json", extension: "json" },
};

/** Zoom omits recording_type on these file types; the older system's names for them. */
const RECORDING_TYPE_BY_FILE_TYPE: Record<string, string> = {
  TIMELINE: "timeline",
  CC: "closed_caption",
  TRANSCRIPT: "audio_transcript",
  CHAT: "chat_file",
  SUMMARY: "summary",
};

/** Names of the metadata objects beside the files: no recording file may take one. */
/** The names of the metadata stored beside a recording's files (ingest-metadata.ts, the document). */
export const RESERVED_BASE_NAMES: ReadonlySet<string> = new Set([
  "recording",
  "past_meeting",
  "meeting",
  "past_webinar",
  "webinar",
  "recording_document",
]);
/**
 * A Zoom summary's names (`summary.json`, `summary-2.json`, …) are what a static server's allowlist
 * serves by name (docs/site.md). A file of another type whose recording_type says `summary` (Zoom sends
 * none; a crafted event could) would have its metadata there, `summary.json`: it takes `summary_{ext}`.
 */
function stemFor(recordingType: string, extension: string): string {
  return recordingType === "summary" && extension !== "json" ? `summary_${extension}` : recordingType;
}

/** The names planFileNames makes: a safeName, maybe with a `-N` suffix. */
const GENERATED_BASE_NAME = /^[a-z0-9_]{1,64}(?:-[0-9]+)?$/;

/**
 * MIME type and extension of a recording file, from DESIGN.md's table; a file type not in it is
 * `application/octet-stream` with Zoom's own extension, lower-cased (not yet made safe for a key).
 *
 * @example
 * fileTypeInfo({ file_type: "MP4", file_extension: "MP4" }); // { mimeType: "video/mp4", extension: "mp4" }
 */
export function fileTypeInfo(file: ZoomRecordingFile): { mimeType: string; extension: string } {
  const known = FILE_TYPES[(file.file_type ?? "").toUpperCase()];
  if (known) return { ...known };
  return { mimeType: "application/octet-stream", extension: (file.file_extension ?? "").toLowerCase() };
}

/**
 * The file's recording_type, derived from its file_type when Zoom left it out (CC, TIMELINE, …).
 *
 * @example
 * recordingTypeOf({ file_type: "CC" }); // "closed_caption"
 */
export function recordingTypeOf(file: ZoomRecordingFile): string {
  if (typeof file.recording_type === "string" && file.recording_type !== "") return file.recording_type;
  const fileType = (file.file_type ?? "").toUpperCase();
  return RECORDING_TYPE_BY_FILE_TYPE[fileType] ?? fileType.toLowerCase();
}

/**
 * Whether the file can be archived now: it has a download_url and Zoom finished processing it (a file
 * without a status, such as CC or TIMELINE, counts as finished).
 *
 * @example
 * isDownloadable({ download_url: "https://zoom.us/rec/download/x", status: "processing" }); // false
 */
export function isDownloadable(file: ZoomRecordingFile): boolean {
  const hasUrl = typeof file.download_url === "string" && file.download_url !== "";
  return hasUrl && (file.status === undefined || file.status === "completed");
}

/**
 * A payload value made safe for an object key: lower-cased, runs of anything but `[a-z0-9_]` turned into
 * `_`, at most 64 characters, never empty. No `/`, `..` or NUL can get through.
 *
 * @example
 * safeName("../Shared Screen"); // "_shared_screen"
 */
export function safeName(s: string): string {
  const safe = String(s)
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .slice(0, 64);
  return safe === "" ? "file" : safe;
}

export interface PlannedFile {
  file: ZoomRecordingFile;
  /** As recorded in the document: Zoom's value (or the derived one), not reduced by safeName. */
  recordingType: string;
  /** The name without extension, unique within the recording: `{recording_type}` or `{recording_type}-N`. */
  baseName: string;
  /** `{baseName}.{extension}`: the file's key under `{recording_id}/`. */
  fileName: string;
  /** Key of the file's metadata object under `{recording_id}/`. */
  metadataName: string;
  extension: string;
  mimeType: string;
}

/**
 * Names for every downloadable file of a recording. The first file of a recording type is
 * `{type}.{ext}`, later ones (a paused and resumed recording) `{type}-2.{ext}`, `{type}-3.{ext}`, … in
 * order of recording_start, then Zoom file id. A file already in the document (same Zoom file id) keeps
 * its name, and no new file takes a name the document already uses, so a later event
 * (`recording.transcript_completed`) only adds files and a re-run names everything the same way.
 *
 * @example
 * planFileNames(event.payload.object.recording_files ?? [], existingDocument?.files ?? [])
 *   .map((p) => p.fileName); // ["shared_screen_with_speaker_view.mp4", "audio_only.m4a", …]
 */
export function planFileNames(
  files: ZoomRecordingFile[],
  existing: RecordingFileEntry[] = [],
): PlannedFile[] {
  const taken = new Set(RESERVED_BASE_NAMES);
  const namesByIdentity = new Map<string, string[]>();
  for (const entry of existing) {
    const name = baseNameOfKey(entry.key);
    // Entries of the older system have no key: their names are `{recording_type}`, which a re-ingest
    // gives the same files again, so they are neither reserved nor reused here.
    if (name === undefined) continue;
    taken.add(name);
    const identity = entryIdentity(entry);
    const names = namesByIdentity.get(identity);
    if (names) names.push(name);
    else namesByIdentity.set(identity, [name]);
  }

  const ordered = files
    .map((file, index) => ({ file, index }))
    .filter(({ file }) => isDownloadable(file))
    .sort(
      (a, b) =>
        compare(a.file.recording_start, b.file.recording_start) ||
        compare(a.file.id, b.file.id) ||
        a.index - b.index,
    );

  // Names kept from the document are claimed before any new name is made, so a new file that sorts
  // earlier cannot take the name an archived file already has.
  const kept = new Map<number, string>();
  const claimed = new Set<string>();
  for (const { file, index } of ordered) {
    // Each identity's names are handed out in turn: no search over the names already claimed.
    const names = namesByIdentity.get(zoomFileIdentity(file)) ?? [];
    let name = names.shift();
    while (name !== undefined && claimed.has(name)) name = names.shift();
    if (name === undefined) continue;
    kept.set(index, name);
    claimed.add(name);
  }

  // The next suffix to try per stem, so that naming n files of one type is linear, not quadratic
  // (22 s for 20,000 files on the event loop of `zrec serve`).
  const nextSuffix = new Map<string, number>();

  return ordered.map(({ file, index }) => {
    const recordingType = recordingTypeOf(file);
    const info = fileTypeInfo(file);
    const extension = safeName(info.extension);
    let baseName = kept.get(index);
    if (baseName === undefined) {
      const stem = stemFor(safeName(recordingType), extension);
      baseName = stem;
      let n = nextSuffix.get(stem) ?? 2;
      while (taken.has(baseName)) baseName = `${stem}-${n++}`;
      nextSuffix.set(stem, n);
      taken.add(baseName);
    }
    return {
      file,
      recordingType,
      baseName,
      fileName: `${baseName}.${extension}`,
      // A JSON file (SUMMARY) would otherwise share its name with its own metadata.
      metadataName: extension === "json" ? `${baseName}.metadata.json` : `${baseName}.json`,
      extension,
      mimeType: info.mimeType,
    };
  });
}

/**
 * The files of a Zoom recording that a document's `entries` do not hold, matched as {@link planFileNames}
 * matches them: by Zoom file id, or for files Zoom gives no id (CC, TIMELINE) by type and start. A file
 * still processing, or one that had no download_url, was never archived and so is listed here.
 *
 * @example
 * const missing = filesNotArchived(recording.recording_files ?? [], document.files);
 * if (missing.length > 0) console.log("keep it in Zoom for now");
 */
export function filesNotArchived(
  zoomFiles: ZoomRecordingFile[],
  entries: RecordingFileEntry[],
): ZoomRecordingFile[] {
  const archived = new Set(entries.map(entryIdentity));
  return zoomFiles.filter((file) => !archived.has(zoomFileIdentity(file)));
}

/**
 * What makes a file the same file in a later event or a re-run: Zoom's file id, or for the files Zoom
 * gives no id (CC, TIMELINE) their type and start, which the document keeps beside the name.
 */
export function zoomFileIdentity(file: ZoomRecordingFile): string {
  if (typeof file.id === "string" && file.id !== "") return `id:${file.id}`;
  return `type:${recordingTypeOf(file)}\u0000${file.file_type ?? ""}\u0000${file.recording_start ?? ""}`;
}

function entryIdentity(entry: RecordingFileEntry): string {
  if (typeof entry.zoom_file_id === "string" && entry.zoom_file_id !== "") return `id:${entry.zoom_file_id}`;
  return `type:${entry.recording_type}\u0000${entry.file_type ?? ""}\u0000${entry.recording_start ?? ""}`;
}

/**
 * `{id}/shared_screen-2.mp4` -> `shared_screen-2`. Only a name of the shape this module makes, and not a
 * reserved one, is accepted: a hand-edited document must not steer a file onto `recording.json`.
 */
function baseNameOfKey(key: string | undefined): string | undefined {
  if (typeof key !== "string") return undefined;
  const last = key.slice(key.lastIndexOf("/") + 1);
  const dot = last.indexOf(".");
  const name = dot === -1 ? last : last.slice(0, dot);
  return GENERATED_BASE_NAME.test(name) && !RESERVED_BASE_NAMES.has(name) ? name : undefined;
}

/** Absent values sort after present ones; strings compare by code unit so the order is locale-free. */
function compare(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}
