import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { digestsOnThread, ThreadHash, warmOnThread } from "./hash-thread.js";

describe("the hashing thread", () => {
  it("warms a fresh shared buffer without changing a byte, then hashes it as any other", async () => {
    const buffer = new Uint8Array(new SharedArrayBuffer(3 * 4096 + 100));
    await warmOnThread(buffer);
    expect(buffer.every((byte) => byte === 0)).toBe(true);
    buffer.fill(7);
    const hash = new ThreadHash();
    await hash.update(buffer);
    expect(await hash.digest()).toBe(createHash("sha256").update(buffer).digest("hex"));
    expect((await digestsOnThread(buffer, ["md5"])).md5).toBe(createHash("md5").update(buffer).digest("hex"));
  });

  it("leaves a buffer that is not shared alone (the thread would get a copy)", async () => {
    const plain = new Uint8Array(10).fill(3);
    await warmOnThread(plain);
    expect([...plain]).toEqual(Array(10).fill(3));
  });
});
