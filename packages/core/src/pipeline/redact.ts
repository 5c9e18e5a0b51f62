/**
 * What is stored of Zoom's file objects: their URLs without credentials. Zoom's events carry the download
 * token in its own field (dropped before storing), but a download_url or play_url may arrive with a token
 * in its query (an `access_token` parameter, as Zoom once documented) or in its userinfo; stored as is, that
 * credential would sit in `recording.json` and `{type}.json` for anyone who can read the archive.
 * Found by the hardening suite (packages/cli/test/faults/secrets.e2e.test.ts).
 */
import type { ZoomRecordingFile } from "../zoom/types.js";

/** Query parameters that carry credentials, by name (any case). */
const CREDENTIAL_NAMES = "access_token|download_access_token|download_token|token|jwt";
const CREDENTIAL_PARAMETER = new RegExp(`^(${CREDENTIAL_NAMES})$`, "i");
const CREDENTIAL_ASSIGNMENT = new RegExp(`(${CREDENTIAL_NAMES})=`, "i");

/**
 * `url` without userinfo and without credential query parameters; a value that is not an http(s) URL
 * is kept only if it has no `@` and no credential-looking `name=` (else it becomes `""`).
 *
 * @example
 * withoutCredentials("https://zoom.us/rec/download/x?token=abc&x=1"); // "https://zoom.us/rec/download/x?x=1"
 */
export function withoutCredentials(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: dealt with below.
  }
  // `user:secret@host` parses too, as an opaque URL of scheme `user:`: only http(s) URLs are taken apart.
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    return url.includes("@") || CREDENTIAL_ASSIGNMENT.test(url) ? "" : url;
  }
  parsed.username = "";
  parsed.password = "";
  for (const name of [...parsed.searchParams.keys()]) {
    if (CREDENTIAL_PARAMETER.test(name)) parsed.searchParams.delete(name);
  }
  return parsed.href;
}

/**
 * A Zoom file object as it may be stored: its download_url and play_url without credentials.
 * @example
 * await putJson(store, key, storableFile(file));
 */
export function storableFile<T extends ZoomRecordingFile>(file: T): T {
  const copy = { ...file };
  if (typeof copy.download_url === "string") copy.download_url = withoutCredentials(copy.download_url);
  if (typeof copy.play_url === "string") copy.play_url = withoutCredentials(copy.play_url);
  return copy;
}

/** Fields of Zoom's meeting and webinar objects that carry a credential: start_url holds the host's ZAK. */
const CREDENTIAL_FIELD = /^(start_url|zak|.*token.*)$/i;

/**
 * A meeting, past meeting or webinar object as it may be stored (`meeting.json`, `past_meeting.json`):
 * without `start_url` (it logs the holder in as the host, ZAK and all) or any `zak` or `*token*` field,
 * at any depth. The argument is not changed.
 * @example
 * await putJson(store, `${id}/meeting.json`, storableMeeting(meeting));
 */
export function storableMeeting<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => storableMeeting(item)) as T;
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (!CREDENTIAL_FIELD.test(key)) copy[key] = storableMeeting(field);
  }
  return copy as T;
}
