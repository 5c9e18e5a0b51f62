/**
 * The `ObjectStore` contract of core/src/ports.ts as tests, run against every store (folder, S3 on
 * s3rver): what a caller may rely on whichever backend holds the archive. What one store does beyond it
 * (S3's listing prefetch, the folder's clean-up of a killed process's files) stays in its own tests.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { BackendError, type ObjectStore, scanFolders } from "@zrec/core";
import { describe, expect, it } from "vitest";
import { eachTest } from "./each-test.js";

/** One fresh, empty store for one test, and how to look behind it. */
export interface StoreUnderTest {
  store: ObjectStore;
  /**
   * The part size multipart tests use: the smallest the backend takes for a part but the last (S3's
   * 5 MiB). Default 1 KiB.
   */
  partSize?: number;
  /** What unfinished uploads left (temporary files, pending multipart uploads): empty when clean. */
  leftovers(): Promise<string[]>;
  /** Closes the store and removes what the test wrote. */
  close(): Promise<void>;
}

const json = { contentType: "application/json" };
const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest();
const quotedMd5 = (bytes: Uint8Array) => `"${md5(bytes).toString("hex")}"`;
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString();

/** Keys every store refuses: they could reach outside its root, or name no object. */
const BAD_KEYS = ["../x", "/etc/passwd", "a/../../b", "a\\b", "a\0b", "", "a//b", "a/./b", "a/"];

/**
 * Runs the contract against stores made by `make`, one per test.
 * @example
 * describeObjectStore("folder", async () => {
 *   const root = await mkdtemp(path.join(tmpdir(), "zrec-"));
 *   return { store: createFsStore({ root }), leftovers: async () => [], close: () => rm(root, { recursive: true }) };
 * });
 */
export function describeObjectStore(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: ObjectStore;
    let partSize: number;

    eachTest(make, (made) => {
      subject = made;
      store = made.store;
      partSize = made.partSize ?? 1024;
    });

    async function listAll(prefix = ""): Promise<string[]> {
      const keys: string[] = [];
      for await (const key of store.list(prefix)) keys.push(key);
      return keys;
    }

    /** `count` full parts and a short last one, cut as the ranged copy cuts them. */
    function partsOf(count: number) {
      const body = randomBytes(partSize * count + 100);
      const part = (n: number) => ({
        partNumber: n,
        offset: (n - 1) * partSize,
        body: body.subarray((n - 1) * partSize, n * partSize),
      });
      const numbers = Array.from({ length: count + 1 }, (_, i) => i + 1);
      return { body, part, numbers };
    }

    it("puts, gets, heads and deletes an object; a missing key is undefined, deleting it is fine", async () => {
      const stored = await store.put("0a72/recording.json", '{"a":1}', json);
      expect(stored).toEqual({
        key: "0a72/recording.json",
        url: store.urlFor("0a72/recording.json"),
        etag: quotedMd5(Buffer.from('{"a":1}')),
        size: 7,
      });
      expect(text(await store.get("0a72/recording.json"))).toBe('{"a":1}');
      const head = await store.head("0a72/recording.json");
      expect(head).toMatchObject({ key: "0a72/recording.json", size: 7 });
      // An ETag is optional in a head, but never a different one.
      if (head?.etag !== undefined) expect(head.etag).toBe(stored.etag);
      for (const missing of ["0a72/missing.json", "0a72"]) {
        expect(await store.get(missing)).toBeUndefined();
        expect(await store.head(missing)).toBeUndefined();
        expect(await store.read(missing)).toBeUndefined();
      }

      await store.delete("0a72/recording.json");
      await store.delete("0a72/recording.json");
      expect(await store.get("0a72/recording.json")).toBeUndefined();
      expect(await listAll()).toEqual([]);
    });

    it("replaces an object whole, from a string or from bytes", async () => {
      await store.put("a/b", "first version", json);
      await store.put("a/b", new TextEncoder().encode("second"), json);
      expect(text(await store.get("a/b"))).toBe("second");
      expect(await store.head("a/b")).toMatchObject({ size: 6 });
    });

    it("lists keys in byte order, by key prefix", async () => {
      for (const key of ["b/2", "a/b", "a-c", "a/a/z", "b/10", "ab", "c"]) await store.put(key, key, json);
      expect(await listAll()).toEqual(["a-c", "a/a/z", "a/b", "ab", "b/10", "b/2", "c"]);
      expect(await listAll("a")).toEqual(["a-c", "a/a/z", "a/b", "ab"]);
      expect(await listAll("a/")).toEqual(["a/a/z", "a/b"]);
      expect(await listAll("a/a")).toEqual(["a/a/z"]);
      expect(await listAll("b/1")).toEqual(["b/10"]);
      expect(await listAll("zzz")).toEqual([]);
    });

    it("streams an object's bytes back", async () => {
      const body = randomBytes(100_000);
      await store.put("r/video.mp4", body, { contentType: "video/mp4" });
      const chunks: Uint8Array[] = [];
      for await (const chunk of (await store.read("r/video.mp4")) ?? []) chunks.push(chunk);
      expect(Buffer.concat(chunks).equals(body)).toBe(true);
    });

    it("refuses keys that could reach outside the store, writing nothing", async () => {
      for (const key of BAD_KEYS) {
        const what = JSON.stringify(key);
        await expect(store.put(key, "x", json), what).rejects.toThrow(BackendError);
        await expect(store.putStream(key, Readable.from(["x"]), json), what).rejects.toThrow(/refusing key/);
        await expect(
          store.createMultipartUpload(key, { ...json, partSize, size: partSize }),
          what,
        ).rejects.toThrow(BackendError);
        await expect(store.get(key), what).rejects.toThrow(BackendError);
        await expect(store.head(key), what).rejects.toThrow(BackendError);
        await expect(store.delete(key), what).rejects.toThrow(BackendError);
        expect(() => store.urlFor(key), what).toThrow(BackendError);
      }
      await expect(store.put("../x", "x", json)).rejects.toMatchObject({ code: "STORE_FAILED" });
      expect(await listAll()).toEqual([]);
      expect(await subject.leftovers()).toEqual([]);
    });

    it("streams a body of unknown length into place", async () => {
      const chunks = [randomBytes(1000), randomBytes(70_000), Buffer.from("tail")];
      const stored = await store.putStream("s/video.mp4", Readable.from(chunks), {
        contentType: "video/mp4",
      });
      const whole = Buffer.concat(chunks);
      expect(stored).toEqual({
        key: "s/video.mp4",
        url: store.urlFor("s/video.mp4"),
        size: whole.length,
        etag: quotedMd5(whole),
      });
      expect(Buffer.from((await store.get("s/video.mp4")) ?? []).equals(whole)).toBe(true);
      expect(await subject.leftovers()).toEqual([]);
    });

    it("leaves nothing behind when the stream fails", async () => {
      async function* failing() {
        yield Buffer.from("some bytes");
        throw new Error("source went away");
      }
      await expect(store.putStream("s/broken.mp4", Readable.from(failing()), json)).rejects.toThrow(
        "source went away",
      );
      expect(await store.head("s/broken.mp4")).toBeUndefined();
      expect(await listAll()).toEqual([]);
      expect(await subject.leftovers()).toEqual([]);
    });

    it("assembles parts sent out of order, shows nothing before complete, and gives S3's multipart ETag", async () => {
      const { body, part, numbers } = partsOf(3);
      const key = "m/audio_only.m4a";
      const upload = await store.createMultipartUpload(key, {
        contentType: "audio/m4a",
        partSize,
        size: body.length,
      });
      for (const n of [3, 1, 4]) {
        await upload.uploadPart(part(n));
        expect(await store.head(key)).toBeUndefined();
      }
      await upload.uploadPart(part(2));
      expect(await listAll()).toEqual([]);
      const stored = await upload.complete();

      expect(Buffer.from((await store.get(key)) ?? []).equals(body)).toBe(true);
      const digests = Buffer.concat(numbers.map((n) => md5(part(n).body)));
      expect(stored).toEqual({
        key,
        url: store.urlFor(key),
        size: body.length,
        etag: `"${md5(digests).toString("hex")}-4"`,
      });
      expect(await subject.leftovers()).toEqual([]);
      // Aborting a completed upload leaves the object alone.
      await upload.abort();
      expect(await store.head(key)).toMatchObject({ size: body.length });
    });

    it("accepts parts uploaded concurrently", async () => {
      const { body, part, numbers } = partsOf(2);
      const upload = await store.createMultipartUpload("c/x", { ...json, partSize, size: body.length });
      await Promise.all(numbers.map((n) => upload.uploadPart(part(n))));
      expect((await upload.complete()).etag).toMatch(/-3"$/);
      expect(Buffer.from((await store.get("c/x")) ?? []).equals(body)).toBe(true);
    });

    it("fails complete when a part is missing, leaving nothing", async () => {
      const { body, part } = partsOf(2);
      const upload = await store.createMultipartUpload("m/x", { ...json, partSize, size: body.length });
      await upload.uploadPart(part(1));
      await upload.uploadPart(part(3));
      const error = await upload.complete().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(/m\/x: part 2 of 3 never arrived/);
      expect(await store.head("m/x")).toBeUndefined();
      await upload.abort();
      expect(await subject.leftovers()).toEqual([]);
    });

    it("refuses a part of the wrong size or in the wrong place", async () => {
      const upload = await store.createMultipartUpload("m/y", { ...json, partSize, size: 2 * partSize + 2 });
      await expect(upload.uploadPart({ partNumber: 1, offset: 0, body: Buffer.alloc(3) })).rejects.toThrow(
        `part 1 has 3 bytes at offset 0, expected ${partSize} at 0`,
      );
      await expect(upload.uploadPart({ partNumber: 3, offset: 3, body: Buffer.alloc(2) })).rejects.toThrow(
        BackendError,
      );
      await expect(
        upload.uploadPart({ partNumber: 4, offset: 3 * partSize, body: Buffer.alloc(2) }),
      ).rejects.toThrow(/outside 1\.\.3/);
      await upload.abort();
      expect(await subject.leftovers()).toEqual([]);
    });

    it("aborts after some parts, leaving nothing; aborting twice is fine; the upload is over", async () => {
      const { body, part } = partsOf(2);
      const upload = await store.createMultipartUpload("m/z", { ...json, partSize, size: body.length });
      await upload.uploadPart(part(1));
      expect(await subject.leftovers()).toHaveLength(1);
      await upload.abort();
      await upload.abort();
      expect(await subject.leftovers()).toEqual([]);
      expect(await store.head("m/z")).toBeUndefined();
      expect(await listAll()).toEqual([]);
      await expect(upload.complete()).rejects.toThrow(/aborted/);
      await expect(upload.uploadPart(part(2))).rejects.toThrow(BackendError);
    });

    // Through core's scanFolders, as callers read: the store's own scan where it offers one.
    it("scans the objects of one name directly under the top, in key order, as text", async () => {
      for (const key of ["b/doc.json", "a/doc.json", "a/other.json", "c/deeper/doc.json", "doc.json"]) {
        await store.put(key, `content of ${key}`, json);
      }
      const found: [string, string][] = [];
      for await (const group of scanFolders(store, "doc.json")) {
        for (const object of group) found.push([object.key, object.text]);
      }
      expect(found).toEqual([
        ["a/doc.json", "content of a/doc.json"],
        ["b/doc.json", "content of b/doc.json"],
      ]);
    });
  });
}
