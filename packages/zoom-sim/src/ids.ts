/** Identifiers as Zoom makes them. Written here again, not imported from core, so a bug there shows. */
import { createHash, randomBytes, randomInt } from "node:crypto";

/** Zoom's meeting instance uuid: base64 of 16 bytes. */
export function randomZoomUuid(): string {
  return randomBytes(16).toString("base64");
}

/** A uuid derived from a seed: for values that must be stable, like a parent meeting's uuid. */
export function derivedZoomUuid(seed: string): string {
  return createHash("sha256").update(seed).digest().subarray(0, 16).toString("base64");
}

/** A meeting number of 10 or 11 digits, as Zoom's are. */
export function randomMeetingNumber(): number {
  return randomInt(1_000_000_000, 99_999_999_999);
}

/** `CnIDrQSsRdi9bWp3jyJsZQ==` -> `0a7203ad-04ac-45d8-bd6d-6a778f226c65`; undefined when not 16 bytes. */
export function canonicalUuid(zoomUuid: string): string | undefined {
  const bytes = Buffer.from(zoomUuid, "base64");
  if (bytes.length !== 16) return undefined;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Zoom's rule: a uuid starting with "/" or containing "//" is URL-encoded twice in a path. */
export function needsDoubleEncoding(uuid: string): boolean {
  return uuid.startsWith("/") || uuid.includes("//");
}

/** An opaque, URL-safe string like the long tokens in Zoom's download and play URLs. */
export function tokenishPath(seed: string, length = 64): string {
  return createHash("sha512").update(seed).digest("base64url").slice(0, length);
}

export function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
