import { describe, expect, it } from "vitest";
import { defaultConfig } from "../config/defaults.js";
import type { OrganizationRule } from "../config/types.js";
import { ConfigError, InputError } from "../errors.js";
import { organizationFor, type RecordingPathOptions, recordingPath, topicSlug } from "./path.js";

/** The organisation rules of DESIGN.md's examples, in their order. */
const rules: OrganizationRule[] = [
  { name: "OLF", match: ["OLF", "Foundation"] },
  { name: "FOLIO", match: ["FOLIO"] },
  { name: "ReShare", match: ["ReShare"] },
  { name: "VuFind", match: ["VuFind"] },
  { name: "LDP", match: ["LDP"] },
  { name: "OpenRS", match: ["OpenRS"] },
];

/** The configuration's defaults, which DESIGN.md's examples assume. */
const zone = { timezone: defaultConfig.timezone, roundMinutes: defaultConfig.roundMinutes };

function pathOf(
  topic: string,
  startTime?: string | null,
  options: Partial<RecordingPathOptions> = {},
): string {
  const organization = organizationFor(topic, rules);
  return recordingPath(
    { organization, topic, ...(startTime !== undefined ? { startTime } : {}) },
    { ...zone, ...options },
  );
}

describe("recordingPath: DESIGN.md's examples", () => {
  it.each([
    [
      "OLF Tech Coordinator's Personal Meeting Room",
      "2022-01-23T15:31:56Z",
      "olf/tech-coordinator-s-personal-meeting-room/2022-01-23T10:30",
    ],
    [
      "FOLIO Sys Ops & Management SIG",
      "2023-03-12T06:58:00Z",
      "folio/sys-ops-management-sig/2023-03-12T02:00",
    ],
    [
      "(ReShare) Dev Team: weekly sync",
      "2024-07-04T17:02:30Z",
      "reshare/dev-team-weekly-sync/2024-07-04T13:05",
    ],
    ["VuFind", "2024-01-01T05:00:00Z", "vufind"],
    ["Budget review", "2025-10-31T12:07:29Z", "other/budget-review/2025-10-31T08:05"],
  ])("%s at %s -> %s", (topic, startTime, expected) => {
    expect(pathOf(topic, startTime)).toBe(expected);
  });

  it("keeps the older system's quirk: `other` is removed from inside `Another`", () => {
    expect(pathOf("Another meeting", "2025-10-31T12:07:29Z")).toBe("other/anmeeting/2025-10-31T08:05");
  });
});

describe("organizationFor", () => {
  it("takes the first rule with any matching string, case-sensitively", () => {
    expect(organizationFor("Open Library Foundation board", rules)).toBe("OLF");
    expect(organizationFor("FOLIO and ReShare joint call", rules)).toBe("FOLIO");
    expect(organizationFor("ReShare and FOLIO joint call", rules)).toBe("FOLIO");
    expect(organizationFor("folio lower case", rules)).toBe("other");
    expect(organizationFor("OpenRS planning", rules)).toBe("OpenRS");
  });

  it("falls back to the default organisation", () => {
    expect(organizationFor("Budget review")).toBe("other");
    expect(organizationFor("Budget review", rules, "misc")).toBe("misc");
    expect(organizationFor("Budget review", [], "misc")).toBe("misc");
  });
});

describe("topicSlug", () => {
  it("keeps non-ASCII letters and turns a dash between words into one -", () => {
    expect(topicSlug("Café Über Straße — FOLIO weekly", "FOLIO")).toBe("café-über-straße-weekly");
    expect(pathOf("Café Über Straße — FOLIO weekly", "2024-07-04T17:02:30Z")).toBe(
      "folio/café-über-straße-weekly/2024-07-04T13:05",
    );
  });

  it("treats a combining mark as neither a letter nor a number", () => {
    // "Résumé" written with U+0301 COMBINING ACUTE ACCENT after each e.
    expect(topicSlug("Re\u0301sume\u0301 review", "other")).toBe("re-sume-review");
  });

  it("keeps letters and numbers of other scripts", () => {
    expect(topicSlug("Встреча 42 — 会議", "other")).toBe("встреча-42-会議");
    expect(topicSlug("Phase Ⅱ ½ done", "other")).toBe("phase-ⅱ-½-done");
  });

  it("removes every occurrence of the organisation, any case, with its parentheses and spaces", () => {
    expect(topicSlug("FOLIO / folio (Folio) meeting", "FOLIO")).toBe("meeting");
    expect(topicSlug("Planning (FOLIO) sync", "FOLIO")).toBe("planningsync");
    expect(topicSlug("Planning (FOLIO)", "FOLIO")).toBe("planning");
  });

  it("matches the organisation name literally, not as a pattern", () => {
    expect(topicSlug("C++ working group", "C++")).toBe("working-group");
    expect(topicSlug("CCC working group", "C+")).toBe("ccc-working-group");
    expect(topicSlug("A.B team", "A.B")).toBe("team");
    expect(topicSlug("AxB team", "A.B")).toBe("axb-team");
  });

  it("turns each listed punctuation character into a separator", () => {
    const punctuation = "!@#$%^&*()[]{};:,./<>?\\|`~=_+";
    for (const char of punctuation) expect(topicSlug(`a${char}b`, "zzz")).toBe("a-b");
    expect(topicSlug(`x ${punctuation} y`, "zzz")).toBe("x-y");
  });

  it("collapses runs, strips - at both ends and lower-cases", () => {
    expect(topicSlug("--Budget -- review!!", "other")).toBe("budget-review");
    expect(topicSlug("  \t Budget\u00a0review \n", "other")).toBe("budget-review");
    expect(topicSlug("Quarterly_REVIEW 2024", "other")).toBe("quarterly-review-2024");
  });

  it("is empty when nothing but the organisation and punctuation is left", () => {
    expect(topicSlug("(FOLIO)", "FOLIO")).toBe("");
    expect(topicSlug("!!! ---", "other")).toBe("");
  });
});

describe("recordingPath: shapes", () => {
  it("an empty slug gives just the organisation", () => {
    expect(
      recordingPath({ organization: "FOLIO", topic: "FOLIO", startTime: "2024-01-01T05:00:00Z" }, zone),
    ).toBe("folio");
    expect(recordingPath({ organization: "FOLIO", topic: " (FOLIO) " }, zone)).toBe("folio");
  });

  it("no start time gives {org}/{slug}", () => {
    expect(pathOf("Budget review")).toBe("other/budget-review");
    expect(pathOf("Budget review", null)).toBe("other/budget-review");
    expect(pathOf("Budget review", "")).toBe("other/budget-review");
  });

  it("refuses a start time that is not an ISO date-time with a zone", () => {
    expect(() => pathOf("Budget review", "yesterday")).toThrow(InputError);
    expect(() => pathOf("Budget review", "2024-01-01T05:00:00")).toThrow(/"2024-01-01T05:00:00"/);
  });

  it("reads offsets other than Z", () => {
    expect(pathOf("Budget review", "2024-07-04T19:02:30+02:00")).toBe("other/budget-review/2024-07-04T13:05");
  });
});

describe("recordingPath: time rounding", () => {
  const at = (startTime: string, options?: Partial<RecordingPathOptions>) =>
    pathOf("Budget review", startTime, options).replace("other/budget-review/", "");

  it("rounds exactly half up and ignores fractions of a second", () => {
    expect(at("2024-07-04T17:02:30Z")).toBe("2024-07-04T13:05");
    expect(at("2024-07-04T17:02:29Z")).toBe("2024-07-04T13:00");
    expect(at("2024-07-04T17:02:29.999Z")).toBe("2024-07-04T13:00");
    expect(at("2024-07-04T17:07:30Z")).toBe("2024-07-04T13:10");
  });

  it("rounds the wall clock on the night clocks spring forward", () => {
    // 01:58 EST rounds to 02:00, a time that did not exist that night (as the older system wrote it).
    expect(at("2023-03-12T06:58:00Z")).toBe("2023-03-12T02:00");
    // One minute after the change: 03:01 EDT.
    expect(at("2023-03-12T07:01:00Z")).toBe("2023-03-12T03:00");
  });

  it("rounds the wall clock on the night clocks fall back", () => {
    // 01:32 happens twice: first in EDT, then an hour later in EST; both give the same path time.
    expect(at("2023-11-05T05:32:00Z")).toBe("2023-11-05T01:30");
    expect(at("2023-11-05T06:32:00Z")).toBe("2023-11-05T01:30");
    // 01:58 EDT rounds to 02:00 although the clock went back to 01:00 instead.
    expect(at("2023-11-05T05:58:00Z")).toBe("2023-11-05T02:00");
  });

  it("rolls the date, month and year over at midnight", () => {
    // 23:58 EST on New Year's Eve.
    expect(at("2025-01-01T04:58:00Z")).toBe("2025-01-01T00:00");
    // 23:57:30 EDT on 30 June.
    expect(at("2024-07-01T03:57:30Z")).toBe("2024-07-01T00:00");
    // 23:57:29 EST on 28 February of a leap year stays on the 28th.
    expect(at("2024-02-29T04:57:29Z")).toBe("2024-02-28T23:55");
    expect(at("2024-02-29T04:57:30Z")).toBe("2024-02-29T00:00");
  });

  it("writes midnight as 00, not 24", () => {
    expect(at("2024-01-01T05:00:00Z")).toBe("2024-01-01T00:00");
  });

  it("uses another timezone and roundMinutes when asked", () => {
    expect(at("2024-07-04T17:02:30Z", { timezone: "Europe/Berlin" })).toBe("2024-07-04T19:05");
    expect(at("2024-07-04T17:07:30Z", { timezone: "UTC", roundMinutes: 15 })).toBe("2024-07-04T17:15");
    expect(at("2024-07-04T17:07:29Z", { timezone: "UTC", roundMinutes: 15 })).toBe("2024-07-04T17:00");
    expect(at("2024-12-31T14:31:00Z", { timezone: "Asia/Kolkata", roundMinutes: 60 })).toBe(
      "2024-12-31T20:00",
    );
    expect(at("2024-12-31T18:00:00Z", { timezone: "Asia/Kolkata", roundMinutes: 60 })).toBe(
      "2025-01-01T00:00",
    );
    expect(at("2024-07-04T17:02:31Z", { timezone: "UTC", roundMinutes: 1 })).toBe("2024-07-04T17:03");
  });

  it("refuses an unknown timezone or a bad roundMinutes as configuration errors", () => {
    expect(() => at("2024-07-04T17:02:30Z", { timezone: "Mars/Olympus_Mons" })).toThrow(ConfigError);
    expect(() => at("2024-07-04T17:02:30Z", { roundMinutes: 0 })).toThrow(ConfigError);
    expect(() => at("2024-07-04T17:02:30Z", { roundMinutes: Number.NaN })).toThrow(ConfigError);
  });
});
