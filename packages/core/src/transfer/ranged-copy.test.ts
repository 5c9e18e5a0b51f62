import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFsStore } from "../adapters/fs-store.js";
import { DownloadRefused, ErrorCode, TransferError } from "../errors.js";
import type { ObjectStore } from "../ports.js";
import { type CopyProgress, type RangedCopyOptions, rangedCopy } from "./ranged-copy.js";
import {
  httpSource,
  MemoryStore,
  once,
  type RangeServerOptions,
  startRangeServer,
} from "./ranged-copy.test-support.js";
import type { ByteSource } from "./source.js";

const KiB = 1024;
const PART = 64 * KiB;
const KEY = "0a7203ad-04ac-45d8-bd6d-6a778f226c65/shared_screen.mp4";
const fast = { baseDelayMs: 1, maxDelayMs: 20 };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(serverOptions: Omit<RangeServerOptions, "partSize">) {
  const server = await startRangeServer({ partSize: PART, ...serverOptions });
  const source = httpSource(server.url);
  const store = new MemoryStore();
  cleanups.push(
    () => server.close(),
    () => source.close(),
  );
  const copy = (options: Partial<RangedCopyOptions> = {}) =>
    rangedCopy({
      source,
      store,
      key: KEY,
      contentType: "video/mp4",
      partSize: PART,
      retry: fast,
      ...options,
    });
  return { server, store, copy };
}

const sha256 = (bytes: Uint8Array | undefined) =>
  createHash("sha256")
    .update(bytes ?? new Uint8Array())
    .digest("hex");

/** Byte comparison; toEqual walks a Buffer element by element and takes seconds on a few MiB. */
const same = (actual: Uint8Array | undefined, expected: Buffer) =>
  actual !== undefined && expected.equals(actual);

async function failureOf(promise: Promise<unknown>): Promise<TransferError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransferError);
  return error as TransferError;
}

describe("rangedCopy: the happy paths", () => {
  it("stores a file that fits in one part with a single put", async () => {
    const { server, store, copy } = await setup({ size: 1000 });
    const result = await copy({ expectedSize: 1000 });
    expect(result).toMatchObject({
      key: KEY,
      size: 1000,
      parts: 1,
      rangeHonoured: true,
      sha256: server.sha256,
    });
    expect(store.puts).toEqual([KEY]);
    expect(store.uploads).toHaveLength(0);
    expect(server.requests).toHaveLength(1);
    expect(same(await store.get(KEY), server.content)).toBe(true);
  });

  it("copies a multi-part file byte for byte, each range once, with monotone progress", async () => {
    const size = 37 * PART + 123;
    const { server, store, copy } = await setup({ size });
    const progress: CopyProgress[] = [];
    const result = await copy({
      partConcurrency: 4,
      expectedSize: size,
      onProgress: (p) => progress.push(p),
    });

    expect(result).toMatchObject({ size, parts: 38, rangeHonoured: true, sha256: server.sha256 });
    expect(result.etag).toMatch(/-38"$/);
    const stored = await store.get(KEY);
    expect(same(stored, server.content)).toBe(true);
    expect(sha256(stored)).toBe(result.sha256);
    expect(store.uploads).toHaveLength(1);
    expect(store.uploads[0]).toMatchObject({ completed: true, aborted: false, partSize: PART, size });
    expect(server.requests).toHaveLength(38);
    expect(new Set(server.requests.map((r) => r.part)).size).toBe(38);

    expect(progress).toHaveLength(38);
    const loaded = progress.map((p) => p.loaded);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ key: KEY, loaded: size, total: size });
  });

  it("never has more than partConcurrency requests in flight", async () => {
    const { server, copy } = await setup({ size: 20 * PART, delayMs: 5 });
    await copy({ partConcurrency: 3 });
    expect(server.maxInFlight).toBe(3);
  });

  it("does not fetch beyond 2 x partConcurrency parts past a slow part 1", async () => {
    const { server, copy } = await setup({
      size: 20 * PART,
      fault: once((r) => r.part === 1, { delayMs: 300 }),
    });
    const result = await copy({ partConcurrency: 2 });
    expect(result.sha256).toBe(server.sha256);

    const partOneEnd = server.requestsForPart(1)[0]?.endedAt ?? 0;
    const startedMeanwhile = server.requests.filter((r) => r.startedAt < partOneEnd).map((r) => r.part ?? 0);
    expect(Math.max(...startedMeanwhile)).toBe(4);
    // Fetched while part 1 could not be hashed: held in memory, so at most window - 1 of them.
    const finishedMeanwhile = server.requests.filter(
      (r) => r.part !== 1 && (r.endedAt ?? Infinity) < partOneEnd,
    );
    expect(finishedMeanwhile.length).toBeLessThanOrEqual(3);
  });

  it("streams a server that ignores Range into one putStream, with exactly one request", async () => {
    const size = 5 * PART + 7;
    const { server, store, copy } = await setup({ size, ignoreRange: true });
    const progress: CopyProgress[] = [];
    const result = await copy({ onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ size, parts: 1, rangeHonoured: false, sha256: server.sha256 });
    expect(server.requests).toHaveLength(1);
    expect(store.streams).toEqual([KEY]);
    expect(store.puts).toHaveLength(0);
    expect(store.uploads).toHaveLength(0);
    expect(same(await store.get(KEY), server.content)).toBe(true);
    expect(progress.at(-1)).toEqual({ key: KEY, loaded: size, total: size });
  });

  it("given file_size, streams a server that ignores Range from part 1's answer; the planned upload is aborted", async () => {
    const size = 5 * PART + 7;
    const { server, store, copy } = await setup({ size, ignoreRange: true });
    const result = await copy({ expectedSize: size, partConcurrency: 3 });
    expect(result).toMatchObject({ size, parts: 1, rangeHonoured: false, sha256: server.sha256 });
    // The planned requests went out together; none is asked again, and part 1's answer is streamed.
    expect(server.requests.length).toBeLessThanOrEqual(3);
    expect(store.streams).toEqual([KEY]);
    expect(store.uploads.every((u) => u.aborted && !u.completed)).toBe(true);
    expect(same(await store.get(KEY), server.content)).toBe(true);
  });

  it("given file_size, sends partConcurrency requests at once, before part 1's answer is in", async () => {
    const size = 8 * PART;
    const { server, copy } = await setup({ size, delayMs: 150 });
    const result = await copy({ expectedSize: size, partConcurrency: 4 });
    expect(result).toMatchObject({ size, parts: 8, sha256: server.sha256 });
    const [first, ...others] = server.requests;
    const before = others.filter((r) => r.startedAt < (first?.endedAt ?? 0));
    expect(before.map((r) => r.part).sort()).toEqual([2, 3, 4]);
  });

  it("falls back to one plain GET when Content-Range hides the total", async () => {
    const { server, store, copy } = await setup({ size: 3 * PART, unknownTotal: true });
    const result = await copy();
    expect(result).toMatchObject({ size: 3 * PART, rangeHonoured: false, sha256: server.sha256 });
    expect(server.requests.map((r) => r.range === undefined)).toEqual([false, true]);
    expect(store.streams).toEqual([KEY]);
  });

  it("stores an empty file (a 416 to the first range)", async () => {
    const { store, copy } = await setup({ size: 0 });
    const result = await copy({ expectedSize: 0 });
    expect(result).toMatchObject({ size: 0, sha256: sha256(new Uint8Array()) });
    expect(await store.head(KEY)).toEqual({ key: KEY, size: 0 });
  });
});

describe("rangedCopy: a failed part is retried alone", () => {
  const cases = [
    ["a dropped connection", { dropAfter: 1000 }],
    ["a 500", { status: 500 }],
    ["a 200 with the whole file", { whole: true }],
    ["a wrong total, once", { wrongTotal: 999 }],
  ] as const;

  for (const [name, fault] of cases) {
    it(`retries part 3 after ${name}`, async () => {
      const { server, store, copy } = await setup({
        size: 8 * PART,
        fault: once((r) => r.part === 3, fault),
      });
      const result = await copy({ partConcurrency: 3 });
      expect(result.sha256).toBe(server.sha256);
      expect(same(await store.get(KEY), server.content)).toBe(true);
      for (let part = 1; part <= 8; part++)
        expect(server.requestsForPart(part)).toHaveLength(part === 3 ? 2 : 1);
    });
  }

  it("waits as long as a 429's Retry-After asks", async () => {
    const { server, copy } = await setup({
      size: 6 * PART,
      fault: once((r) => r.part === 5, { status: 429, retryAfter: "0.2" }),
    });
    const result = await copy({ retry: { baseDelayMs: 1, maxDelayMs: 2_000 } });
    expect(result.sha256).toBe(server.sha256);
    const [refused, retried] = server.requestsForPart(5);
    expect(server.requestsForPart(5)).toHaveLength(2);
    expect((retried?.startedAt ?? 0) - (refused?.startedAt ?? 0)).toBeGreaterThanOrEqual(180);
  });

  it("aborts a body that stalls for idleTimeoutMs and asks again", async () => {
    const { server, copy } = await setup({
      size: 4 * PART,
      fault: once((r) => r.part === 2, { stallAfter: 1000 }),
    });
    const started = performance.now();
    const result = await copy({ idleTimeoutMs: 100 });
    expect(result.sha256).toBe(server.sha256);
    expect(server.requestsForPart(2)).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });
});

describe("rangedCopy: failures leave nothing behind", () => {
  it("fails the file when a part keeps failing, and aborts the upload", async () => {
    const { server, store, copy } = await setup({
      size: 8 * PART,
      fault: (r) => (r.part === 4 ? { status: 500 } : undefined),
    });
    const error = await failureOf(copy({ retry: { ...fast, attempts: 3 } }));
    expect(error.code).toBe(ErrorCode.TRANSFER_FAILED);
    expect(error.message).toContain(`Copying ${KEY} from ${server.url} failed:`);
    expect(error.message).toContain("answered 500");
    expect(server.requestsForPart(4)).toHaveLength(3);
    expect(store.uploads[0]).toMatchObject({ aborted: true, completed: false });
    expect(await store.head(KEY)).toBeUndefined();
  });

  it("does not retry a 404", async () => {
    const { server, store, copy } = await setup({
      size: 8 * PART,
      fault: (r) => (r.part === 4 ? { status: 404 } : undefined),
    });
    await failureOf(copy());
    expect(server.requestsForPart(4)).toHaveLength(1);
    expect(store.uploads[0]?.aborted).toBe(true);
  });

  it("fails with SIZE_MISMATCH when Content-Range disagrees with Zoom's file_size", async () => {
    const size = 8 * PART;
    const { store, copy } = await setup({ size });
    const error = await failureOf(copy({ expectedSize: size + 1 }));
    expect(error.code).toBe(ErrorCode.SIZE_MISMATCH);
    expect(error.message).toContain(KEY);
    expect(error.message).toContain(`${size} bytes`);
    expect(error.message).toContain(`${size + 1}`);
    expect(store.uploads.every((u) => u.aborted)).toBe(true);
    expect(await store.head(KEY)).toBeUndefined();
  });

  it("fails with SIZE_MISMATCH when a streamed body ends at the wrong size, and stores nothing", async () => {
    const { server, store, copy } = await setup({ size: 3 * PART, ignoreRange: true, noContentLength: true });
    const error = await failureOf(copy({ expectedSize: 3 * PART - 1, partConcurrency: 2 }));
    expect(error.code).toBe(ErrorCode.SIZE_MISMATCH);
    // Part 1's answer (the whole body) is what is streamed; part 2's planned request is not asked again.
    expect(server.requests.length).toBeLessThanOrEqual(2);
    expect(await store.head(KEY)).toBeUndefined();
  });

  it("fails when the total keeps changing between ranges", async () => {
    const size = 8 * PART;
    const { server, store, copy } = await setup({
      size,
      fault: (r) => (r.part === 3 ? { wrongTotal: size + 5 } : undefined),
    });
    const error = await failureOf(copy());
    expect(error.message).toContain(`for a file of ${size} bytes`);
    expect(server.requestsForPart(3)).toHaveLength(3);
    expect(store.uploads[0]).toMatchObject({ aborted: true, completed: false });
    expect(await store.head(KEY)).toBeUndefined();
  });

  it("aborts the upload when the caller's signal aborts", async () => {
    const { server, store, copy } = await setup({ size: 30 * PART, delayMs: 10 });
    const controller = new AbortController();
    const copying = copy({
      partConcurrency: 2,
      signal: controller.signal,
      onProgress: ({ loaded }) => loaded >= 3 * PART && controller.abort(),
    });
    const error = await failureOf(copying);
    expect(error.message).toContain("the copy was aborted");
    expect(store.uploads[0]).toMatchObject({ aborted: true, completed: false });
    expect(await store.head(KEY)).toBeUndefined();
    expect(server.requests.length).toBeLessThan(10);
  });

  it("aborts the upload when the store refuses a part, without fetching it again", async () => {
    const { server, store, copy } = await setup({ size: 6 * PART });
    store.failPart = 2;
    const error = await failureOf(copy());
    expect(error.message).toContain("memory store refused part 2");
    expect(server.requestsForPart(2)).toHaveLength(1);
    expect(store.uploads[0]).toMatchObject({ aborted: true, completed: false });
  });

  it("does not retry a download the source refuses, and keeps its code", async () => {
    let calls = 0;
    const source: ByteSource = {
      description: "https://evil.example/rec.mp4",
      fetch: () => {
        calls++;
        throw new DownloadRefused("evil.example is not an allowed download host");
      },
    };
    const store = new MemoryStore();
    const copying = rangedCopy({ source, store, key: KEY, contentType: "video/mp4", retry: fast });
    const error = await failureOf(copying);
    expect(error.code).toBe(ErrorCode.DOWNLOAD_REFUSED);
    expect(error.message).toBe(
      `Copying ${KEY} from https://evil.example/rec.mp4 failed: evil.example is not an allowed download host`,
    );
    expect(calls).toBe(1);
  });

  it("does not start when the signal is already aborted", async () => {
    const { server, store, copy } = await setup({ size: 2 * PART });
    await failureOf(copy({ signal: AbortSignal.abort() }));
    expect(server.requests).toHaveLength(0);
    expect(store.uploads).toHaveLength(0);
  });
});

describe("rangedCopy into a folder store: parts stream through small slices into the file", () => {
  const MiB = 1024 * KiB;

  /** A folder store that records how each part reached it: streamed (storeWritten) or whole (uploadPart). */
  async function folderStore() {
    const root = await mkdtemp(path.join(os.tmpdir(), "zrec-arriving-"));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const store = createFsStore({ root });
    const taken: { partNumber: number; how: "streamed" | "whole"; length: number }[] = [];
    const recording: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
      async createMultipartUpload(...args: Parameters<ObjectStore["createMultipartUpload"]>) {
        const upload = await store.createMultipartUpload(...args);
        return Object.assign(Object.create(upload), {
          uploadPart(part: Parameters<typeof upload.uploadPart>[0]) {
            taken.push({ partNumber: part.partNumber, how: "whole", length: part.body.byteLength });
            return upload.uploadPart(part);
          },
          storeWritten(part: Parameters<NonNullable<typeof upload.storeWritten>>[0]) {
            taken.push({ partNumber: part.partNumber, how: "streamed", length: part.length });
            return upload.storeWritten?.(part);
          },
        }) as typeof upload;
      },
    });
    return { root, store: recording, taken };
  }

  /** Copies a file of `size` from a range server (3 MiB parts) into a folder store. */
  async function copyIntoFolder(
    size: number,
    serverOptions: Omit<RangeServerOptions, "size" | "partSize"> = {},
    copyOptions: Partial<RangedCopyOptions> = {},
  ) {
    const server = await startRangeServer({ size, partSize: 3 * MiB, ...serverOptions });
    const source = httpSource(server.url);
    cleanups.push(
      () => server.close(),
      () => source.close(),
    );
    const folder = await folderStore();
    const result = await rangedCopy({
      source,
      store: folder.store,
      key: KEY,
      contentType: "video/mp4",
      partSize: 3 * MiB,
      expectedSize: size,
      retry: fast,
      ...copyOptions,
    });
    const stored = await readFile(path.join(folder.root, KEY));
    return { server, result, stored, taken: folder.taken };
  }

  it("streams every part into the file, hashes it back from there, and stores the file byte for byte", async () => {
    const size = 3 * 3 * MiB + 1234;
    const { server, result, stored, taken } = await copyIntoFolder(size, {}, { resumeId: "file-1" });
    expect(result.sha256).toBe(server.sha256);
    expect(server.content.equals(stored)).toBe(true);
    // Every part, the short last one too, reached the store streamed: no part was ever held whole.
    expect(taken.sort((a, b) => a.partNumber - b.partNumber)).toEqual([
      { partNumber: 1, how: "streamed", length: 3 * MiB },
      { partNumber: 2, how: "streamed", length: 3 * MiB },
      { partNumber: 3, how: "streamed", length: 3 * MiB },
      { partNumber: 4, how: "streamed", length: 1234 },
    ]);
    // The ETag is S3's for these parts: the MD5 of the parts' MD5s, and their count.
    const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest();
    const parts = [0, 1, 2, 3].map((i) =>
      server.content.subarray(i * 3 * MiB, Math.min(size, (i + 1) * 3 * MiB)),
    );
    const etag = `"${createHash("md5")
      .update(Buffer.concat(parts.map(md5)))
      .digest("hex")}-4"`;
    expect(result.etag).toBe(etag);
  });

  it("reads each part back for the SHA-256 once its bytes are written, without waiting for the store to record it", async () => {
    // Recording a part saves the checkpoint, which can wait behind a flush to disk: the hash must not
    // wait with it. Here each part's recording waits (up to 2 s) until the hash has read the part.
    const size = 4 * MiB;
    const server = await startRangeServer({ size, partSize: MiB });
    const source = httpSource(server.url);
    cleanups.push(
      () => server.close(),
      () => source.close(),
    );
    const folder = await folderStore();
    const readFrom = new Set<number>();
    const late: number[] = [];
    const recordsAfterReadBack: ObjectStore = Object.assign(Object.create(folder.store) as ObjectStore, {
      async createMultipartUpload(...args: Parameters<ObjectStore["createMultipartUpload"]>) {
        const upload = await folder.store.createMultipartUpload(...args);
        return Object.assign(Object.create(upload), {
          readWritten(offset: number, into: Uint8Array) {
            readFrom.add(Math.floor(offset / MiB) + 1);
            return upload.readWritten?.(offset, into);
          },
          async storeWritten(part: Parameters<NonNullable<typeof upload.storeWritten>>[0]) {
            const until = Date.now() + 2000;
            while (!readFrom.has(part.partNumber) && Date.now() < until) {
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
            if (!readFrom.has(part.partNumber)) late.push(part.partNumber);
            return upload.storeWritten?.(part);
          },
        }) as typeof upload;
      },
    });
    const result = await rangedCopy({
      source,
      store: recordsAfterReadBack,
      key: KEY,
      contentType: "video/mp4",
      partSize: MiB,
      partConcurrency: 2,
      expectedSize: size,
      retry: fast,
    });
    expect(late).toEqual([]);
    expect(result.sha256).toBe(server.sha256);
  });

  it("stops fetching parts once reading them back fails", async () => {
    const server = await startRangeServer({ size: 6 * MiB, partSize: MiB });
    const source = httpSource(server.url);
    cleanups.push(
      () => server.close(),
      () => source.close(),
    );
    const folder = await folderStore();
    const failingReadBack: ObjectStore = Object.assign(Object.create(folder.store) as ObjectStore, {
      async createMultipartUpload(...args: Parameters<ObjectStore["createMultipartUpload"]>) {
        const upload = await folder.store.createMultipartUpload(...args);
        return Object.assign(Object.create(upload), {
          readWritten: async () => {
            throw Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" });
          },
        }) as typeof upload;
      },
    });
    const copying = rangedCopy({
      source,
      store: failingReadBack,
      key: KEY,
      contentType: "video/mp4",
      partSize: MiB,
      partConcurrency: 1,
      expectedSize: 6 * MiB,
      retry: fast,
    });
    await expect(copying).rejects.toThrow(/EIO/);
    // Part 1 is read back once written; the part asked for meanwhile is the last one fetched.
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });

  it("writes a part cut off half-way again from its start on the next try", async () => {
    const { server, result, stored } = await copyIntoFolder(2 * 3 * MiB, {
      fault: once((request) => request.part === 2, { dropAfter: 2 * MiB + 5 }),
    });
    expect(server.requestsForPart(2).length).toBe(2);
    expect(result.sha256).toBe(server.sha256);
    expect(server.content.equals(stored)).toBe(true);
  });
});
