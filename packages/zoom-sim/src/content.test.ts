import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BLOCK, contentBytes, contentChunks, contentSha256, PATTERN_PERIOD } from "./content.js";
import { MiB } from "./test-support.js";

const sha = (...parts: Buffer[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
};

describe("deterministic content", () => {
  it("is the same bytes for the same file and offset, whatever range they are read in", () => {
    const whole = contentBytes("file-a", 0, 3 * BLOCK + 17);
    expect(contentBytes("file-a", 0, 3 * BLOCK + 17).equals(whole)).toBe(true);
    expect(
      contentBytes("file-a", BLOCK - 5, 2 * BLOCK + 3).equals(whole.subarray(BLOCK - 5, 2 * BLOCK + 3)),
    ).toBe(true);
    expect(contentBytes("file-a", 7, 7)).toHaveLength(0);
  });

  it("differs between files", () => {
    expect(contentBytes("file-a", 0, 4096).equals(contentBytes("file-b", 0, 4096))).toBe(false);
  });

  it("serves ranges as subarrays of at most one block", () => {
    const chunks = [...contentChunks("file-a", 10, 3 * BLOCK)];
    expect(chunks.every((chunk) => chunk.length <= BLOCK)).toBe(true);
    expect(chunks.reduce((sum, chunk) => sum + chunk.length, 0)).toBe(3 * BLOCK - 10);
  });

  it("streams the sha256 of the whole content", async () => {
    const size = 2 * MiB + 3;
    expect(await contentSha256("file-a", size)).toBe(sha(contentBytes("file-a", 0, size)));
  });

  it("is order-sensitive: swapped 8 MiB parts or a one-byte shift change the sha256", () => {
    const part = 8 * MiB;
    const first = contentBytes("file-a", 0, part);
    const second = contentBytes("file-a", part, 2 * part);
    const original = sha(first, second);
    expect(sha(second, first)).not.toBe(original);
    expect(first.equals(second)).toBe(false);
    expect(sha(contentBytes("file-a", 1, 2 * part + 1))).not.toBe(original);
    // No period a client could fall into: one pattern period later the bytes differ.
    expect(
      contentBytes("file-a", PATTERN_PERIOD, PATTERN_PERIOD + 4096).equals(first.subarray(0, 4096)),
    ).toBe(false);
  });

  it("costs no memory for a huge file: a range far into 64 GiB is computed directly", () => {
    const far = 64 * 1024 * MiB - 100;
    expect(contentBytes("huge", far, far + 100)).toHaveLength(100);
  });
});
