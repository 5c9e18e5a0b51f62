/**
 * recording_path and organisation, byte for byte as the older Python system computed them (see
 * DESIGN.md): archives and the website built from them are addressed by these paths.
 */
import type { OrganizationRule } from "../config/types.js";
import { ConfigError, InputError } from "../errors.js";

/**
 * Python's `\s` (what `str.isspace()` accepts), not JavaScript's: they differ on U+001C–U+001F and U+0085
 * (Python only) and U+FEFF (JavaScript only), and the removal of the organisation name consumes it.
 */
const PY_SPACE = "[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
/**
 * Python's `[-\W]+`, applied after the older system had turned ``!@#$%^&*()[]{};:,./<>?\|`~=_+`` into
 * spaces. Every one of those is neither a letter nor a number (in Python `_` counted as a word character,
 * hence that step), so one pass over runs of non-letters and non-numbers gives the same result.
 */
const NON_WORD_RUN = /[^\p{L}\p{N}]+/gu;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * The organisation a meeting belongs to: the first rule with a `match` string that occurs in the topic
 * (case-sensitive), else `defaultOrganization`.
 *
 * @example
 * organizationFor("FOLIO Sys Ops & Management SIG", [{ name: "FOLIO", match: ["FOLIO"] }]); // "FOLIO"
 * organizationFor("Budget review", [{ name: "FOLIO", match: ["FOLIO"] }]); // "other"
 */
export function organizationFor(
  topic: string,
  rules: OrganizationRule[] = [],
  defaultOrganization = "other",
): string {
  for (const rule of rules) {
    if (rule.match.some((needle) => topic.includes(needle))) return rule.name;
  }
  return defaultOrganization;
}

/**
 * The topic part of recording_path: the organisation's name removed (with one `(` before, one `)` after
 * and the whitespace around it, case-insensitively), punctuation and every other run of non-letters and
 * non-numbers turned into one `-`, lower-cased. Keeps the older system's quirks: with the organisation
 * `other`, `Another meeting` becomes `anmeeting`.
 *
 * @example
 * topicSlug("(ReShare) Dev Team: weekly sync", "ReShare"); // "dev-team-weekly-sync"
 * topicSlug("Café Über Straße — FOLIO weekly", "FOLIO"); // "café-über-straße-weekly"
 */
export function topicSlug(topic: string, organization: string): string {
  // Escaped, unlike the older system, so that a name such as `C++` is matched literally.
  const name = organization.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
  const withoutName = topic.replace(new RegExp(`${PY_SPACE}*\\(?${name}\\)?${PY_SPACE}*`, "giu"), "");
  return withoutName
    .replace(NON_WORD_RUN, "-")
    .trim()
    .toLowerCase()
    .replace(/^-+|-+$/g, "");
}

/** The configuration's `timezone` and `roundMinutes` (their defaults are applied there, once). */
export interface RecordingPathOptions {
  /** IANA zone the time is written in. */
  timezone: string;
  /** The wall-clock time is rounded to this many minutes, exactly half rounding up. */
  roundMinutes: number;
}

/**
 * Where a recording is published: `{organisation}/{slug}/{YYYY-MM-DDTHH:MM}`, the time being the start
 * as a wall clock in `timezone`, rounded to `roundMinutes`. An empty slug gives `{organisation}` alone,
 * a missing start time `{organisation}/{slug}`.
 *
 * @throws InputError when startTime is not a date; ConfigError for an unknown timezone or bad roundMinutes.
 * @example
 * recordingPath(
 *   { organization: "FOLIO", topic: "FOLIO Sys Ops & Management SIG", startTime: "2023-03-12T06:58:00Z" },
 *   { timezone: "America/New_York", roundMinutes: 5 },
 * );
 * // "folio/sys-ops-management-sig/2023-03-12T02:00" (01:58 EST, rounded on the wall clock)
 */
export function recordingPath(
  { organization, topic, startTime }: { organization: string; topic: string; startTime?: string | null },
  options: RecordingPathOptions,
): string {
  const org = organization.toLowerCase();
  const slug = topicSlug(topic, organization);
  if (slug === "") return org;
  if (startTime === undefined || startTime === null || startTime === "") return `${org}/${slug}`;
  const time = roundedWallClock(startTime, options.timezone, options.roundMinutes);
  return `${org}/${slug}/${time}`;
}

/**
 * The instant as a wall clock in `timeZone`, rounded to `roundMinutes` counted from local midnight, as
 * `YYYY-MM-DDTHH:MM`. The rounding is done on the wall-clock fields, not on the instant, because that is
 * what the older system did; near a DST change this can name a time that did not exist that night.
 */
function roundedWallClock(startTime: string, timeZone: string, roundMinutes: number): string {
  // A time without a zone would be read in the machine's own zone: refused rather than guessed.
  const instant = ISO_INSTANT.test(startTime) ? Date.parse(startTime) : Number.NaN;
  if (Number.isNaN(instant)) {
    throw new InputError(
      `Start time ${JSON.stringify(startTime)} is not an ISO 8601 date-time with a zone (like 2022-01-23T15:31:56Z), so no recording path can be made.`,
    );
  }
  if (!Number.isFinite(roundMinutes) || roundMinutes <= 0 || !Number.isInteger(roundMinutes * 60)) {
    throw new ConfigError(
      "roundMinutes",
      `roundMinutes must be a positive number of minutes, not ${roundMinutes}.`,
    );
  }
  const wall = wallClockFields(instant, timeZone);
  // Whole seconds only: the older system ignored fractions of a second when rounding.
  const secondOfDay = wall.hour * 3600 + wall.minute * 60 + wall.second;
  const step = roundMinutes * 60;
  const rounded = Math.floor((secondOfDay + step / 2) / step) * step;
  // Date.UTC here is plain calendar arithmetic on the wall clock: it rolls days, months and years over.
  const shifted = new Date(Date.UTC(wall.year, wall.month - 1, wall.day) + rounded * 1000);
  const yyyy = String(shifted.getUTCFullYear()).padStart(4, "0");
  return `${yyyy}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}T${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClockFields(instant: number, timeZone: string): WallClock {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch (error) {
      throw new ConfigError(
        "timezone",
        `timezone ${JSON.stringify(timeZone)} is not a known IANA time zone.`,
        {
          cause: error,
          suggestion: 'Use a name such as "America/New_York" or "Europe/Berlin".',
        },
      );
    }
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(instant)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    // Some ICU versions print midnight as 24 even with h23.
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
