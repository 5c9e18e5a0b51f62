import { describe, expect, it } from "vitest";
import type { MultipartLimits } from "../ports.js";
import { choosePartSize, partCount, partSpec } from "./part-plan.js";

const MiB = 1024 * 1024;

describe("choosePartSize", () => {
  it("keeps the requested size for a store that states no limits", () => {
    expect(choosePartSize(100 * 1024 * MiB, MiB)).toBe(MiB);
  });

  it("plans within the store's limits: raised to its minimum, and to fit its part count", () => {
    const limits: MultipartLimits = { minPartSize: 2 * MiB, maxPartSize: 64 * MiB, maxParts: 100 };
    expect(choosePartSize(10 * MiB, MiB, limits)).toBe(2 * MiB);
    expect(choosePartSize(400 * MiB, 2 * MiB, limits)).toBe(4 * MiB);
    expect(partCount(400 * MiB + 1, choosePartSize(400 * MiB + 1, 2 * MiB, limits))).toBeLessThanOrEqual(100);
    expect(() => choosePartSize(1, 0.5, limits)).toThrow(RangeError);
  });
});

describe("partSpec", () => {
  it("gives the last part what is left", () => {
    expect(partSpec(2, 1024, 1500)).toEqual({ partNumber: 2, start: 1024, end: 1499, length: 476 });
  });
});
