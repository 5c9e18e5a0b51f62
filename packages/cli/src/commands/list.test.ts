import { describe, expect, it } from "vitest";
import { configuredSpelling, parseLimit, parseSince, visible } from "./list.js";

const problem = (message: string) => new Error(message);

describe("zrec list option parsing", () => {
  it("keeps a calendar date and turns a time with an offset into UTC", () => {
    expect(parseSince("2024-07-04", problem)).toBe("2024-07-04");
    expect(parseSince("2024-07-04T13:00-04:00", problem)).toBe("2024-07-04T17:00:00Z");
    expect(parseSince("2024-07-04T17:02:30.500Z", problem)).toBe("2024-07-04T17:02:30.500Z");
  });

  it("refuses what is not a date, naming the option", () => {
    for (const bad of ["2024-02-30", "yesterday", "2024-7-4", "2024-07-04T25:00Z", "2024-07-04T10:00"]) {
      expect(() => parseSince(bad, problem), bad).toThrow(/^--since ".*" is not a date/);
    }
  });

  it("accepts only positive whole numbers as --limit", () => {
    expect(parseLimit("20", problem)).toBe(20);
    for (const bad of ["0", "-1", "1.5", "ten", "", "1e3", "99999999999999999999"]) {
      expect(() => parseLimit(bad, problem), bad).toThrow(/^--limit ".*" is not a positive whole number\.$/);
    }
  });
});

describe("zrec list's table", () => {
  it("shows a topic's control characters as escapes, and other text as it is", () => {
    expect(visible("Café \u001b[31mred\u0007 Über")).toBe("Café \\u001b[31mred\\u0007 Über");
    expect(visible("tab\there\u009b")).toBe("tab\\u0009here\\u009b");
  });

  it("spells an organisation as the configuration does, whatever the case typed", () => {
    const config = { organizations: [{ name: "FOLIO", match: ["FOLIO"] }], defaultOrganization: "other" };
    expect(configuredSpelling("folio", config)).toBe("FOLIO");
    expect(configuredSpelling("OTHER", config)).toBe("other");
    expect(configuredSpelling("ReShare", config)).toBe("ReShare");
  });
});
