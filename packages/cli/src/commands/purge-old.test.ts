import { describe, expect, it } from "vitest";
import { parseDay } from "./purge-old.js";

const problem = (message: string) => new Error(message);

describe("--as-of, --from and --to parsing", () => {
  it("reads a calendar day as 00:00 UTC that day", () => {
    expect(parseDay("2025-02-28", "--as-of", problem).toISOString()).toBe("2025-02-28T00:00:00.000Z");
    expect(parseDay("2024-02-29", "--from", problem).toISOString()).toBe("2024-02-29T00:00:00.000Z");
  });

  it("refuses what is not a day written YYYY-MM-DD, naming the option", () => {
    for (const bad of [
      "2025-02-29",
      "2025-13-01",
      "2025-2-1",
      "01/02/2025",
      "today",
      "2025-02-01T00:00Z",
      "",
    ]) {
      expect(() => parseDay(bad, "--to", problem), bad).toThrow(
        `--to ${JSON.stringify(bad)} is not a date: write a UTC day as YYYY-MM-DD.`,
      );
    }
  });
});
