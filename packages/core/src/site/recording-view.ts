/**
 * What the site shows of one recording document: whether it is published, which file plays, which file
 * is its captions, where each file is, and its facts in the configured time zone.
 */
import { createHash } from "node:crypto";
import type { SiteConfig } from "../config/types.js";
import { DocumentError } from "../errors.js";
import type { RecordingDocument, RecordingFileEntry } from "../recording/document.js";
import { RESERVED_BASE_NAMES } from "../recording/files.js";

/** The player's preference: the most complete picture first, sound alone last. */
const PLAYER_ORDER = [
  "shared_screen_with_speaker_view",
  "shared_screen_with_speaker_view(cc)",
  "speaker_view",
  "active_speaker",
  "gallery_view",
  "shared_screen_with_gallery_view",
  "shared_screen",
  "audio_only",
];

/**
 * Whether a recording is on the site: its organisation is in `site.organizations` (any case; null means
 * all), and its disposition does not say `unpublish` on or before `today` (YYYY-MM-DD).
 */
export function isPublished(doc: RecordingDocument, site: SiteConfig, today: string): boolean {
  if (site.organizations !== null) {
    const org = doc.organization.toLowerCase();
    if (!site.organizations.some((name) => name.toLowerCase() === org)) return false;
  }
  const disposition = doc.disposition;
  return !(disposition?.action === "unpublish" && disposition.after <= today);
}

/**
 * The stored key of a file: its `key`, or (older documents) the last part of its s3_url under the id.
 * Throws a DocumentError for a name that cannot be a file of this recording (`..`, a slash, a broken
 * %-escape): a page must never link, nor the build read, anything outside the recording's folder; nor
 * a metadata file beside the files (`recording.json`, `meeting.json`, a file's own `{name}.json`),
 * which holds the meeting's passcode and join URL: `zrec site serve` serves what the pages link.
 */
export function fileKey(doc: RecordingDocument, file: RecordingFileEntry): string {
  const name = plainName(doc, file);
  if (isMetadataName(doc, file, name)) {
    throw new DocumentError(
      "files",
      `Recording ${doc.recording_id} lists ${JSON.stringify(name.slice(0, 120))} as a file, which is the name of its metadata.`,
    );
  }
  return `${doc.recording_id}/${name}`;
}

function plainName(doc: RecordingDocument, file: RecordingFileEntry): string {
  const id = doc.recording_id;
  const name =
    typeof file.key === "string" && file.key.startsWith(`${id}/`)
      ? file.key.slice(id.length + 1)
      : lastPathPart(file.s3_url);
  if (name === undefined || name === "" || name === "." || name === ".." || /[/\\\0]/.test(name)) {
    throw new DocumentError(
      "files",
      `Recording ${id} lists a file that is not a plain name in its folder (${JSON.stringify((file.key ?? file.s3_url).slice(0, 120))}).`,
    );
  }
  return name;
}

/** `recording.json` and its kin, `*.metadata.json`, and `{base}.json` beside another file `{base}.{ext}`. */
function isMetadataName(doc: RecordingDocument, file: RecordingFileEntry, name: string): boolean {
  const base = name.split(".")[0] ?? name;
  if (RESERVED_BASE_NAMES.has(base.toLowerCase()) || name.toLowerCase().endsWith(".metadata.json"))
    return true;
  if (!name.toLowerCase().endsWith(".json")) return false;
  return doc.files.some((other) => {
    if (other === file) return false;
    try {
      const otherName = plainName(doc, other);
      return otherName !== name && otherName.split(".")[0] === base;
    } catch {
      return false;
    }
  });
}

function lastPathPart(url: string): string | undefined {
  const last = url.split("?")[0]?.split("/").at(-1) ?? "";
  try {
    return decodeURIComponent(last);
  } catch {
    return undefined;
  }
}

export function fileName(doc: RecordingDocument, file: RecordingFileEntry): string {
  return fileKey(doc, file).slice(doc.recording_id.length + 1);
}

/** Why the site cannot show a document (a file it cannot name), or undefined when it can. */
export function unshowableReason(doc: RecordingDocument): string | undefined {
  try {
    for (const file of doc.files) fileKey(doc, file);
    return undefined;
  } catch (error) {
    if (error instanceof DocumentError) return error.message;
    throw error;
  }
}

function isVideo(file: RecordingFileEntry): boolean {
  return file.mime_type === "video/mp4";
}

function isAudio(file: RecordingFileEntry): boolean {
  return file.mime_type.startsWith("audio/");
}

/** The file the player plays, or undefined when the recording has no video or audio. */
export function playerFile(doc: RecordingDocument): RecordingFileEntry | undefined {
  const playable = doc.files.filter((f) => isVideo(f) || isAudio(f));
  const rank = (f: RecordingFileEntry) => {
    const i = PLAYER_ORDER.indexOf(f.recording_type.toLowerCase());
    // Unknown video kinds still beat audio; unknown audio comes last.
    return i >= 0 ? i : isVideo(f) ? PLAYER_ORDER.length - 1.5 : PLAYER_ORDER.length;
  };
  return [...playable].sort((a, b) => rank(a) - rank(b))[0];
}

/** Zoom's transcript, else its closed captions: the captions track and the text beside the player. */
export function transcriptFile(doc: RecordingDocument): RecordingFileEntry | undefined {
  const vtt = (type: string) =>
    doc.files.find((f) => f.recording_type.toLowerCase() === type && f.mime_type === "text/vtt");
  return vtt("audio_transcript") ?? vtt("closed_caption");
}

export function chatFile(doc: RecordingDocument): RecordingFileEntry | undefined {
  return doc.files.find((f) => f.recording_type.toLowerCase() === "chat_file");
}

export interface LocalTime {
  year: string;
  month: string;
  /** "2024-07-04 13:02" */
  text: string;
  /** "EDT", "GMT+2" */
  zone: string;
}

/** Making a DateTimeFormat costs more than formatting with it, and a build formats every date twice. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** A start_time as the configured zone's wall clock; undefined for a missing or unreadable time. */
export function localTime(iso: string, timeZone: string): LocalTime | undefined {
  const date = new Date(iso);
  if (iso === "" || Number.isNaN(date.getTime())) return undefined;
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const { year = "", month = "", day = "", hour = "", minute = "", timeZoneName = "" } = parts;
  return { year, month, text: `${year}-${month}-${day} ${hour}:${minute}`, zone: timeZoneName };
}

/** Whole minutes between start and end, or undefined. */
export function durationMinutes(doc: RecordingDocument): number | undefined {
  const ms = Date.parse(doc.end_time) - Date.parse(doc.start_time);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 60_000) : undefined;
}

/**
 * A file name for an organisation's page: its name lower-cased, anything but [a-z0-9-] as `-`; a name
 * that loses characters that way gets a short hash (of the lower-cased name: the site takes "OLF" and
 * "olf" for one organisation), so "C++" and "C" keep pages of their own.
 */
export function organizationSlug(name: string): string {
  const lower = name.toLowerCase();
  const slug = lower.replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  if (slug === lower && slug !== "") return slug;
  const hash = createHash("sha256").update(lower).digest("hex").slice(0, 8);
  return slug === "" ? `org-${hash}` : `${slug}-${hash}`;
}
