import { describe, expect, it } from "vitest";
import { configuredSpelling, visible } from "./list.js";

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
