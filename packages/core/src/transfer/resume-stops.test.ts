/**
 * A resumable copy stopped short, on both real stores: by its caller (Ctrl+C, a shutdown), by a kill or
 * its time budget while it reads the object back, by a failure after its object is complete. Each keeps
 * what was stored for the next run, and lets go of what would keep that run out (the folder store's lock).
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tryLock } from "../adapters/fs-lock.js";
import { PART_FOLDER_LOCK } from "../adapters/fs-temp.js";
import type { MultipartUpload, ObjectStore } from "../ports.js";
import { CopySuspended, rangedCopy } from "./ranged-copy.js";
import {
  type Backend,
  backends,
  copy,
  interruptedCopy,
  KEY,
  PART,
  PARTS,
  RESUME_ID,
  resumeFixtures,
  SIZE,
  server,
  source,
} from "./resume.test-support.js";

resumeFixtures();

/** The next copy fetches only part 1 again (its version) and finishes the file from what is stored. */
async function expectFinishedFromStoredParts(store: ObjectStore): Promise<void> {
  const { result, fetchedParts } = await copy(store);
  expect(fetchedParts).toEqual([1]);
  expect(result).toMatchObject({ size: SIZE, sha256: server.sha256, resumedBytes: SIZE });
}

/** `store` with its multipart uploads' methods replaced by what `override` gives for each upload. */
function withUpload(
  store: ObjectStore,
  override: (upload: MultipartUpload) => Partial<MultipartUpload>,
): ObjectStore {
  return Object.assign(Object.create(store) as ObjectStore, {
    createMultipartUpload: async (...args: Parameters<ObjectStore["createMultipartUpload"]>) => {
      const upload = await store.createMultipartUpload(...args);
      return Object.assign(Object.create(upload) as MultipartUpload, override(upload));
    },
  });
}

describe.each(Object.keys(backends))("a copy stopped short on the %s store", (name) => {
  it("by its caller (Ctrl+C) keeps what it stored, as a kill does", async () => {
    const backend = await (backends[name] as () => Promise<Backend>)();
    const stop = new AbortController();
    const stopped = rangedCopy({
      source,
      store: backend.store,
      key: KEY,
      contentType: "video/mp4",
      partSize: PART,
      partConcurrency: 1,
      resumeId: RESUME_ID,
      signal: stop.signal,
      onProgress: ({ loaded }) => {
        if (loaded >= 2 * PART) stop.abort(new Error("interrupted"));
      },
    });
    await expect(stopped).rejects.toThrow();
    expect(await backend.leftovers()).not.toEqual([]);
    const { result, fetchedParts } = await copy(backend.store);
    // Parts 1 and 2 were stored before the stop (and perhaps the one then in flight): only part 1 again.
    expect(fetchedParts.filter((n) => n !== undefined && n <= 2)).toEqual([1]);
    expect(result.sha256).toBe(server.sha256);
    expect(result.resumedBytes).toBeGreaterThanOrEqual(2 * PART);
    expect(await backend.leftovers()).toEqual([]);
  });

  it("by its caller while the last part is still being stored keeps every part", async () => {
    const backend = await (backends[name] as () => Promise<Backend>)();
    const stop = new AbortController();
    // The disk or S3 still taking the last part's bytes when Ctrl+C comes: every byte was fetched.
    const slowLastPart: ObjectStore = Object.assign(Object.create(backend.store), {
      createMultipartUpload: async (...args: Parameters<ObjectStore["createMultipartUpload"]>) => {
        const upload: MultipartUpload = await backend.store.createMultipartUpload(...args);
        const lastPartSlow = async (partNumber: number) => {
          if (partNumber === PARTS) {
            stop.abort(new Error("Ctrl+C"));
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        };
        // The folder store takes parts streamed into it (storeWritten), S3 whole ones (uploadPart).
        return Object.assign(Object.create(upload), {
          uploadPart: async (part: Parameters<MultipartUpload["uploadPart"]>[0]) => {
            await lastPartSlow(part.partNumber);
            return upload.uploadPart(part);
          },
          storeWritten: async (part: Parameters<NonNullable<MultipartUpload["storeWritten"]>>[0]) => {
            await lastPartSlow(part.partNumber);
            return upload.storeWritten?.(part);
          },
        });
      },
    });
    const stopped = rangedCopy({
      source,
      store: slowLastPart,
      key: KEY,
      contentType: "video/mp4",
      partSize: PART,
      partConcurrency: 1,
      resumeId: RESUME_ID,
      signal: stop.signal,
    });
    await expect(stopped).rejects.toThrow();
    const { result, fetchedParts } = await copy(backend.store);
    expect(fetchedParts).toEqual([1]);
    expect(result).toMatchObject({ sha256: server.sha256, resumedBytes: SIZE });
  });

  it.runIf(name === "folder")(
    "by a failure while reading its parts back lets go of the part folder's lock",
    async () => {
      const backend = await (backends[name] as () => Promise<Backend>)();
      await interruptedCopy(backend.store, [2, 3]);
      // The disk failing under the copy that reads the stored parts back for the file's SHA-256.
      const failingReadBack = withUpload(backend.store, () => ({
        readWritten: async () => {
          throw Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" });
        },
      }));
      await expect(copy(failingReadBack)).rejects.toThrow(/EIO/);
      // As `zrec ingest --uuid` would, while this process (`zrec serve`) lives on: the parts are kept
      // and their folder is not held, so the next copy fetches none of them again.
      const [folder] = await readdir(backend.partsDir as string);
      const attempt = await tryLock(
        path.join(backend.partsDir as string, folder as string, PART_FOLDER_LOCK),
      );
      expect(attempt.holder).toBeUndefined();
      await attempt.lock?.release();
      const { result, fetchedParts } = await copy(backend.store);
      expect(fetchedParts).toEqual([1]);
      expect(result.sha256).toBe(server.sha256);
      expect(await backend.leftovers()).toEqual([]);
    },
  );

  it.runIf(name === "folder")(
    "by its caller while reading its parts back keeps the checkpoint: the next run fetches nothing again",
    async () => {
      const backend = await (backends[name] as () => Promise<Backend>)();
      await interruptedCopy(backend.store, [2, 3]);
      const stop = new AbortController();
      // The hash reads a part back once it is written, before the store has recorded it: the stop
      // waits for every part this run fetches to be recorded, so that the next run needs none of them
      // (under load, part 4 was not, and the next run fetched it again). Parts 2 and 3 are stored already.
      let recorded = 0;
      const stoppedInReadBack = withUpload(backend.store, (upload) => ({
        storeWritten: async (part: Parameters<NonNullable<MultipartUpload["storeWritten"]>>[0]) => {
          await upload.storeWritten?.(part);
          recorded++;
        },
        readWritten: async (offset: number, into: Uint8Array) => {
          for (let waited = 0; recorded < PARTS - 2 && waited < 5000; waited += 5) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          stop.abort(new Error("Ctrl+C"));
          return upload.readWritten?.(offset, into);
        },
      }));
      const stopped = rangedCopy({
        source,
        store: stoppedInReadBack,
        key: KEY,
        contentType: "video/mp4",
        partSize: PART,
        resumeId: RESUME_ID,
        signal: stop.signal,
      });
      await expect(stopped).rejects.toThrow();
      expect(await backend.leftovers()).not.toEqual([]);
      await expectFinishedFromStoredParts(backend.store);
      expect(await backend.leftovers()).toEqual([]);
    },
  );

  // The folder store's copies read their parts back before the object is complete (see above).
  it.runIf(name === "s3")(
    "while reading the object back for its SHA-256 keeps the checkpoint: the next run fetches nothing again",
    async () => {
      const backend = await (backends[name] as () => Promise<Backend>)();
      await interruptedCopy(backend.store, [2, 3]);
      // A process killed in the read-back: the object is complete, the copy never records it.
      const killedInReadBack: ObjectStore = Object.assign(Object.create(backend.store), {
        read: async () => {
          throw new Error("killed while reading back");
        },
      });
      await expect(copy(killedInReadBack)).rejects.toThrow(/killed while reading back/);
      expect(await backend.leftovers()).not.toEqual([]);
      await expectFinishedFromStoredParts(backend.store);
      expect(await backend.leftovers()).toEqual([]);
    },
  );

  it.runIf(name === "s3")(
    "out of its time budget while reading back (Lambda) suspends; the next call reads the object back",
    async () => {
      const backend = await (backends[name] as () => Promise<Backend>)();
      await interruptedCopy(backend.store, [2, 3]);
      const budget = new AbortController();
      const spentInReadBack: ObjectStore = Object.assign(Object.create(backend.store), {
        read: (key: string) => {
          budget.abort();
          return backend.store.read(key);
        },
      });
      const suspended = rangedCopy({
        source,
        store: spentInReadBack,
        key: KEY,
        contentType: "video/mp4",
        partSize: PART,
        resumeId: RESUME_ID,
        budget: budget.signal,
      });
      await expect(suspended).rejects.toBeInstanceOf(CopySuspended);
      expect(await backend.leftovers()).not.toEqual([]);
      await expectFinishedFromStoredParts(backend.store);
    },
  );

  it("with its budget spent before it starts (Lambda) still stores a part: every call makes progress", async () => {
    const backend = await (backends[name] as () => Promise<Backend>)();
    const spent = AbortSignal.abort();
    const calls: number[] = [];
    let sha256: string | undefined;
    // As the state machine loops RetrieveRecording, each call given no time at all.
    while (sha256 === undefined && calls.length <= PARTS + 1) {
      const result = await rangedCopy({
        source,
        store: backend.store,
        key: KEY,
        contentType: "video/mp4",
        partSize: PART,
        partConcurrency: 1,
        resumeId: RESUME_ID,
        budget: spent,
      }).catch((error: unknown) => {
        if (!(error instanceof CopySuspended)) throw error;
        calls.push(error.loaded);
        return undefined;
      });
      sha256 = result?.sha256;
    }
    expect(sha256).toBe(server.sha256);
    // One more part stored by each call. On S3 the call that stores the last part leaves the read-back
    // of the object to the next, which reads it whatever its budget; the folder store's copy reads its
    // parts back as it goes, so the call that stores the last part finishes.
    const stored = Array.from({ length: PARTS - 1 }, (_, i) => (i + 1) * PART);
    expect(calls).toEqual(name === "s3" ? [...stored, SIZE] : stored);
  });
});
