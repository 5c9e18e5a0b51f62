import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PartBuffers } from "./part-buffers.js";
import { PartSink, SLICE } from "./part-through.js";

const bytes = Buffer.alloc(2 * SLICE + 1000);
for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 10)) & 0xff;
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

/** Feeds `data` to `sink` in chunks of `size` bytes. */
async function feed(sink: PartSink, data: Uint8Array, size = 65536) {
  for (let at = 0; at < data.length; at += size) await sink.push(data.subarray(at, at + size));
}

describe("PartSink: one part's bytes through reused slices", () => {
  it("writes every byte at its place, one write at a time, and gives the part's MD5", async () => {
    const written = Buffer.alloc(1000 + bytes.length);
    let inFlight = 0;
    let most = 0;
    const slices = new PartBuffers(SLICE, 8);
    const sink = new PartSink(
      async (offset, slice) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        written.set(slice, offset);
        inFlight--;
      },
      1000,
      slices,
      new AbortController().signal,
    );
    await sink.start();
    await feed(sink, bytes, 100_000);
    expect(await sink.finish()).toBe(md5(bytes));
    expect(written.subarray(1000).equals(bytes)).toBe(true);
    // One write in flight: the store counts a part's bytes as laid down only without a gap.
    expect(most).toBe(1);
    expect(slices.inUse).toBe(0);
  });

  it("starts a new try from the part's first byte: the earlier try's bytes count for nothing", async () => {
    const written = Buffer.alloc(bytes.length);
    const sink = new PartSink(
      async (offset, slice) => {
        written.set(slice, offset);
      },
      0,
      new PartBuffers(SLICE, 8),
      new AbortController().signal,
    );
    await sink.start();
    await feed(sink, Buffer.alloc(SLICE + 10, 0xee));
    await sink.start();
    await feed(sink, bytes);
    expect(await sink.finish()).toBe(md5(bytes));
    expect(written.equals(bytes)).toBe(true);
  });

  it("fails the part with the store's error when a write fails, and gives its slices back", async () => {
    const slices = new PartBuffers(SLICE, 8);
    const sink = new PartSink(
      async () => {
        throw new Error("ENOSPC: no space left on device");
      },
      0,
      slices,
      new AbortController().signal,
    );
    await sink.start();
    const pushed = feed(sink, bytes).then(() => sink.finish());
    await expect(pushed).rejects.toThrow(/ENOSPC/);
    await sink.forget();
    expect(slices.inUse).toBe(0);
  });

  it("holds no more than a few slices when the disk is slower than the network", async () => {
    const slices = new PartBuffers(SLICE, 64);
    let most = 0;
    const sink = new PartSink(
      async () => {
        most = Math.max(most, slices.inUse);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      0,
      slices,
      new AbortController().signal,
    );
    await sink.start();
    await feed(sink, Buffer.alloc(12 * SLICE));
    await sink.finish();
    expect(most).toBeLessThanOrEqual(5);
  });
});
