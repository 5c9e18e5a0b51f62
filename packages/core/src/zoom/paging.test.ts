import { describe, expect, it } from "vitest";
import { ErrorCode } from "../errors.js";
import { monthWindows, type Page, pages } from "./paging.js";

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe("monthWindows", () => {
  it.each([
    ["2024-05-07", "2024-05-07", [["2024-05-07", "2024-05-07"]]],
    ["2024-05-01", "2024-05-31", [["2024-05-01", "2024-05-31"]]],
    [
      "2024-01-15",
      "2024-03-10",
      [
        ["2024-01-15", "2024-01-31"],
        ["2024-02-01", "2024-02-29"],
        ["2024-03-01", "2024-03-10"],
      ],
    ],
    [
      "2023-12-31",
      "2024-01-01",
      [
        ["2023-12-31", "2023-12-31"],
        ["2024-01-01", "2024-01-01"],
      ],
    ],
    ["2023-02-01", "2023-02-28", [["2023-02-01", "2023-02-28"]]],
  ])("%s..%s", (from, to, expected) => {
    expect(monthWindows(day(from), day(to)).map((w) => [w.from, w.to])).toEqual(expected);
  });

  it("uses UTC dates whatever the time of day", () => {
    const windows = monthWindows(new Date("2024-01-31T23:30:00Z"), new Date("2024-02-01T00:10:00Z"));
    expect(windows).toEqual([
      { from: "2024-01-31", to: "2024-01-31" },
      { from: "2024-02-01", to: "2024-02-01" },
    ]);
  });

  it("refuses a window that ends before it starts, or an invalid date", () => {
    expect(() => monthWindows(day("2024-02-02"), day("2024-02-01"))).toThrow(
      expect.objectContaining({ code: ErrorCode.INPUT_INVALID }),
    );
    expect(() => monthWindows(new Date("nope"), day("2024-02-01"))).toThrow(/valid from and to/);
  });
});

describe("pages", () => {
  it("stops on an empty or absent token and refuses a repeated one", async () => {
    const first: Page<number> = { items: [1], next: "b" };
    const last: Page<number> = { items: [2], next: "" };
    const all: number[] = [];
    for await (const n of pages(async (t) => (t === undefined ? first : last))) all.push(n);
    expect(all).toEqual([1, 2]);

    const loop = pages(async () => ({ items: [0], next: "same" }));
    await expect(async () => {
      for await (const _ of loop) {
        // drain
      }
    }).rejects.toThrow(/next_page_token it had sent before/);
  });
});
