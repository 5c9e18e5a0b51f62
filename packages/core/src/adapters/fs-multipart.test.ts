/**
 * When a folder store's upload flushes the file being built to disk: by bytes written, while the copy
 * goes on, not when parts are recorded (a round's parts are recorded together, and a flush of the whole
 * round then held up the round's last writes and checkpoint saves).
 */
import { createHash } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFsStore } from "./fs-store.js";

const MiB = 1024 * 1024;
const PART = 8 * MiB;

let root: string | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

/**
 * Records, for every datasync of a file handle, the bytes written when it began. The datasync itself
 * returns at once, so that flushes never overlap and their moments depend on the bytes alone.
 */
async function watchFlushes(written: () => number): Promise<number[]> {
  const probe = await open(fileURLToPath(import.meta.url), "r");
  const prototype = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
  await probe.close();
  const began: number[] = [];
  vi.spyOn(prototype, "datasync").mockImplementation(async () => {
    began.push(written());
  });
  return began;
}

describe("a folder store's multipart upload flushes what it was written", () => {
  async function upload(partSize: number, size: number) {
    root = await mkdtemp(path.join(os.tmpdir(), "zrec-flush-"));
    return createFsStore({ root }).createMultipartUpload("r1/video.mp4", {
      contentType: "video/mp4",
      partSize,
      size,
      resumeId: "file-1",
    });
  }

  it("starts a flush once 16 MiB were written since the last one began", async () => {
    const size = 5 * PART;
    const building = await upload(PART, size);
    let written = 0;
    const began = await watchFlushes(() => written);
    const chunk = Buffer.alloc(MiB, 7);
    for (let offset = 0; offset < size; offset += MiB) {
      // Counted before the write: a flush begins within the write that crosses the line.
      written += MiB;
      await building.writeArriving?.(offset, chunk);
    }
    expect(began).toEqual([16 * MiB, 32 * MiB]);
    await building.abort();
  });

  it("does not flush when parts are recorded: the parts of a round are recorded together", async () => {
    const part = 4 * MiB;
    const building = await upload(part, 3 * part);
    const began = await watchFlushes(() => 0);
    const bytes = Buffer.alloc(part, 7);
    const md5 = createHash("md5").update(bytes).digest("hex");
    for (let partNumber = 1; partNumber <= 3; partNumber++) {
      const offset = (partNumber - 1) * part;
      await building.writeArriving?.(offset, bytes);
      await building.storeWritten?.({ partNumber, offset, length: part, md5 });
    }
    expect(began).toEqual([]);
    await building.complete();
  });
});
