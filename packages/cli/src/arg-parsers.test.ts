import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import {
  positiveWhole,
  repeatable,
  seconds,
  sinceTime,
  utcDay,
  webhookPath,
  wholeNumber,
} from "./arg-parsers.js";

type Parser = (value: string) => unknown;

/** Each parser: values it takes (with what they become), values it refuses, and the words it refuses with. */
const table: { name: string; parse: Parser; good: [string, unknown][]; bad: string[]; says: RegExp }[] = [
  {
    name: "wholeNumber(0, 65535)",
    parse: wholeNumber(0, 65_535),
    good: [
      ["0", 0],
      ["8080", 8080],
      [" 65535 ", 65_535],
    ],
    bad: ["65536", "-1", "1.5", "0x10", "1e3", "", "eighty"],
    says: /^is not a whole number from 0 to 65535\.$/,
  },
  {
    name: "positiveWhole",
    parse: positiveWhole,
    good: [
      ["1", 1],
      ["20", 20],
    ],
    bad: ["0", "-1", "1.5", "ten", "", "1e3", "99999999999999999999"],
    says: /^is not a positive whole number\.$/,
  },
  {
    name: "seconds",
    parse: seconds,
    good: [
      ["0", 0],
      ["30", 30],
      ["0.5", 0.5],
    ],
    bad: ["", " ", "-1", "soon", "Infinity", "NaN"],
    says: /^is not a number of seconds, 0 or more\.$/,
  },
  {
    name: "utcDay",
    parse: (value) => utcDay(value).toISOString(),
    good: [
      ["2025-02-28", "2025-02-28T00:00:00.000Z"],
      ["2024-02-29", "2024-02-29T00:00:00.000Z"],
    ],
    bad: ["2025-02-29", "2025-13-01", "2025-2-1", "01/02/2025", "today", "2025-02-01T00:00Z", ""],
    says: /^is not a date: write a UTC day as YYYY-MM-DD\.$/,
  },
  {
    name: "sinceTime",
    parse: sinceTime,
    good: [
      ["2024-07-04", "2024-07-04"],
      ["2024-07-04T13:00-04:00", "2024-07-04T17:00:00Z"],
      ["2024-07-04T17:02:30.500Z", "2024-07-04T17:02:30.500Z"],
    ],
    bad: ["2024-02-30", "yesterday", "2024-7-4", "2024-07-04T25:00Z", "2024-07-04T10:00"],
    says: /^is not a date: write YYYY-MM-DD or an ISO time/,
  },
  {
    name: "webhookPath",
    parse: webhookPath,
    good: [
      ["/ingest/zoom_webhook", "/ingest/zoom_webhook"],
      ["/", "/"],
    ],
    bad: ["ingest", "/healthz", "/a?b=1", "/a#b", "/a b", ""],
    says: /^is not a URL path such as \/ingest\/zoom_webhook\.$/,
  },
];

describe("the shared option parsers", () => {
  for (const { name, parse, good, bad, says } of table) {
    it(`${name} takes what it should and refuses the rest as commander's invalid argument`, () => {
      for (const [value, parsed] of good) expect(parse(value), value).toEqual(parsed);
      for (const value of bad) {
        let thrown: unknown;
        try {
          parse(value);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, value).toBeInstanceOf(InvalidArgumentError);
        expect((thrown as Error).message, value).toMatch(says);
      }
    });
  }

  it("collects a repeated option in order", () => {
    expect(repeatable("b", repeatable("a"))).toEqual(["a", "b"]);
  });
});
