import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsStore } from "../adapters/fs-store.js";
import { ArrivingMd5 } from "./arriving-md5.js";
import { rangedCopy } from "./ranged-copy.js";
import { httpSource, once, type RangeServer, startRangeServer } from "./ranged-copy.test-support.js";

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

function shared(size: number, fill: (i: number) => number): Uint8Array {
  const buffer = new Uint8Array(new SharedArrayBuffer(size));
  for (let i = 0; i < size; i++) buffer[i] = fill(i);
  return buffer;
}

describe("ArrivingMd5", () => {
  it("is the MD5 of the part whatever slices it was told about", async () => {
    const buffer = shared(3 * MiB + 77, (i) => (i * 31) & 0xff);
    const hash = new ArrivingMd5();
    await hash.start(buffer);
    for (const filled of [1000, MiB - 1, MiB, 2 * MiB + 5, 2 * MiB + 6]) hash.filled(filled);
    expect(await hash.finish(buffer.length)).toBe(md5(buffer));
  });

  it("starts over when a try starts over: the bytes of the try before do not count", async () => {
    const buffer = shared(2 * MiB + 10, () => 1);
    const hash = new ArrivingMd5();
    await hash.start(buffer);
    hash.filled(MiB + 3);
    await hash.start(buffer); // waits for the thread to have read the first try's slice
    buffer.fill(2);
    hash.filled(2 * MiB);
    expect(await hash.finish(buffer.length)).toBe(md5(buffer));
  });
});

describe("a ranged copy into a folder store", () => {
  const PART = 5 * MiB;
  const SIZE = 3 * PART + 4321;
  let server: RangeServer;
  let source: ReturnType<typeof httpSource>;
  let root: string;
  beforeAll(async () => {
    // Part 2's first answer breaks off after 2.5 MiB: slices of it were already hashed.
    const fault = once((r) => r.part === 2, { dropAfter: 2.5 * MiB });
    server = await startRangeServer({ size: SIZE, partSize: PART, fault });
    source = httpSource(server.url);
    root = await mkdtemp(path.join(tmpdir(), "zrec-arriving-md5-"));
  });
  afterAll(async () => {
    await source?.close();
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("gets the S3-style ETag from the MD5s computed as the parts arrived, a retried part included", async () => {
    const store = createFsStore({ root });
    const copied = await rangedCopy({
      source,
      store,
      key: "0a7203ad-04ac-45d8-bd6d-6a778f226c65/shared_screen.mp4",
      contentType: "video/mp4",
      partSize: PART,
      partConcurrency: 3,
      expectedSize: SIZE,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      resumeId: `file-1:${SIZE}`,
    });
    const parts = [0, 1, 2, 3].map((n) => server.content.subarray(n * PART, Math.min((n + 1) * PART, SIZE)));
    const partMd5s = Buffer.concat(parts.map((part) => createHash("md5").update(part).digest()));
    expect(server.requestsForPart(2).length).toBe(2);
    expect(copied.etag).toBe(`"${md5(partMd5s)}-4"`);
    expect(copied.sha256).toBe(server.sha256);
  });
});
