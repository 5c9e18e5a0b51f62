/**
 * Identifiers derived from Zoom's meeting uuids. A leaf module: it imports only the error classes, so
 * every layer (pipeline, adapters, CLI) can check ids without pulling anything else in.
 */
import { InputError } from "../errors.js";

/** 22 base64 characters carry 16 bytes; Zoom pads them with `==`, some copies lose the padding. */
const BASE64_OF_16_BYTES = /^[A-Za-z0-9+/_-]{22}(?:==)?$/;
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The recording id: the canonical lower-case UUID whose 16 bytes Zoom's meeting uuid encodes in base64
 * (standard or url-safe alphabet). It names the recording's folder, so it must be exactly that shape.
 *
 * @throws InputError when the uuid is not base64 of exactly 16 bytes.
 * @example
 * recordingIdFromUuid("CnIDrQSsRdi9bWp3jyJsZQ=="); // "0a7203ad-04ac-45d8-bd6d-6a778f226c65"
 */
export function recordingIdFromUuid(zoomUuid: string): string {
  if (typeof zoomUuid !== "string" || !BASE64_OF_16_BYTES.test(zoomUuid)) {
    throw new InputError(
      `Zoom meeting uuid ${quote(zoomUuid)} is not base64 of 16 bytes, so no recording id can be derived from it.`,
    );
  }
  const hex = bytesOf(zoomUuid).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The one spelling of a meeting uuid: standard alphabet, `==` padded. Url-safe (`-`, `_`) and unpadded
 * copies of the same 16 bytes are one meeting and get this spelling, so an event, the API and the
 * document agree on it.
 *
 * @throws InputError for what {@link recordingIdFromUuid} refuses.
 * @example
 * canonicalMeetingUuid("CnIDrQSsRdi9bWp3jyJsZQ"); // "CnIDrQSsRdi9bWp3jyJsZQ=="
 */
export function canonicalMeetingUuid(zoomUuid: string): string {
  recordingIdFromUuid(zoomUuid);
  return bytesOf(zoomUuid).toString("base64");
}

/**
 * The 16 bytes of a uuid the pattern admitted. The 22nd character carries 2 bits of the last byte and 4
 * bits that a canonical encoder leaves zero; other values there decode to the same bytes, so 16 spellings
 * would name one recording. Only the canonical one is taken.
 */
function bytesOf(zoomUuid: string): Buffer {
  const standard = zoomUuid.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Buffer.from(standard, "base64");
  if (bytes.toString("base64").slice(0, 22) !== standard.slice(0, 22)) {
    throw new InputError(
      `Zoom meeting uuid ${quote(zoomUuid)} is not the canonical base64 of its 16 bytes (its last character carries stray bits).`,
    );
  }
  return bytes;
}

/**
 * A meeting uuid ready to put in a Zoom API path. Zoom's rule: a uuid that starts with `/` or contains
 * `//` must be URL-encoded twice (its gateway decodes once before routing), any other once.
 *
 * @example
 * encodeMeetingUuidForPath("CnIDrQSsRdi9bWp3jyJsZQ=="); // "CnIDrQSsRdi9bWp3jyJsZQ%3D%3D"
 * encodeMeetingUuidForPath("/ajXp112QmuoKj4854875=="); // "%252FajXp112QmuoKj4854875%253D%253D"
 */
export function encodeMeetingUuidForPath(uuid: string): string {
  const once = encodeURIComponent(uuid);
  return uuid.startsWith("/") || uuid.includes("//") ? encodeURIComponent(once) : once;
}

/**
 * Whether `s` is a recording id in canonical form (lower-case hex, 8-4-4-4-12). Used to refuse ids that
 * could reach outside a recording's folder (`..`, `/`) before they are used in a key or a path.
 *
 * @example
 * isRecordingId("0a7203ad-04ac-45d8-bd6d-6a778f226c65"); // true
 * isRecordingId("../etc/passwd"); // false
 */
export function isRecordingId(s: string): boolean {
  return typeof s === "string" && CANONICAL_UUID.test(s);
}

/** Quotes a value for a message, cut short so a huge payload field cannot flood a log line. */
function quote(value: unknown): string {
  const text = typeof value === "string" ? value : String(value);
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
