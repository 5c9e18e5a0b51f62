/**
 * Resuming a copy on both real stores (a folder, S3 on s3rver): an earlier run stored some parts and
 * died without completing or aborting (what kill -9 leaves), and the next copy of the same file fetches
 * only the parts still missing. The CLI's kill -9 runs are in packages/cli/test/faults/resume.e2e.test.ts.
 */
import { mkdir, mkdtemp, open, readdir, rename, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, ListMultipartUploadsCommand, type S3Client } from "@aws-sdk/client-s3";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFsStore, FS_RESUME_DIR, FS_TEMP_DIR } from "../adapters/fs-store.js";
import { createS3Store, S3_CHECKPOINT_PREFIX } from "../adapters/s3-store.js";
import type { ObjectStore } from "../ports.js";
import { CopySuspended, rangedCopy } from "./ranged-copy.js";
import { httpSource, type RangeServer, startRangeServer } from "./ranged-copy.test-support.js";
import type { ByteSource } from "./source.js";

const MiB = 1024 * 1024;
// S3 wants parts of at least 5 MiB but the last.
const PART = 5 * MiB;
const SIZE = 4 * PART + 123_456;
const PARTS = 5;
const KEY = "0a7203ad-04ac-45d8-bd6d-6a778f226c65/shared_screen.mp4";
const BUCKET = "resume";
const RESUME_ID = `file-1:${SIZE}`;

let s3: RunningS3rver;
let client: S3Client;
let server: RangeServer;
let source: ReturnType<typeof httpSource>;
let testNumber = 0;
const folders: string[] = [];

beforeAll(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] });
  client = s3.client();
  server = await startRangeServer({ size: SIZE, partSize: PART });
  source = httpSource(server.url);
});
afterAll(async () => {
  await source?.close();
  await server?.close();
  await s3?.close();
});
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

interface Backend {
  store: ObjectStore;
  /** Checkpoints and unfinished uploads left behind. */
  leftovers(): Promise<string[]>;
  /** Spoils the interrupted upload: a stored part's bytes change (folder) or S3 forgets the upload. */
  spoil(): Promise<void>;
}

const backends: Record<string, () => Promise<Backend>> = {
  folder: async () => {
    const root = await mkdtemp(path.join(tmpdir(), "zrec-resume-"));
    folders.push(root);
    const parts = path.join(root, FS_TEMP_DIR, FS_RESUME_DIR);
    return {
      store: createFsStore({ root }),
      leftovers: async () => readdir(parts).catch(() => []),
      async spoil() {
        const [folder] = await readdir(parts);
        const handle = await open(path.join(parts, folder as string, "data"), "r+");
        await handle.write(Buffer.from("not the bytes that were stored"), 0, 30, PART + 10);
        await handle.close();
      },
    };
  },
  s3: async () => {
    const prefix = `t${++testNumber}/`;
    const checkpointKey = `${prefix}${S3_CHECKPOINT_PREFIX}${KEY}.json`;
    const store = createS3Store({ client, bucket: BUCKET, prefix });
    return {
      store,
      async leftovers() {
        const listed = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }));
        const checkpoint = await client
          .send(new GetObjectCommand({ Bucket: BUCKET, Key: checkpointKey }))
          .then(() => [checkpointKey])
          .catch(() => []);
        return [...(listed.Uploads ?? []).map((u) => `upload ${u.UploadId}`), ...checkpoint];
      },
      async spoil() {
        const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: checkpointKey }));
        const { upload } = JSON.parse((await answer.Body?.transformToString()) ?? "{}") as { upload: string };
        const { AbortMultipartUploadCommand } = await import("@aws-sdk/client-s3");
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: `${prefix}${KEY}`, UploadId: upload }),
        );
      },
    };
  },
};

/** What a killed copy leaves: parts stored, checkpoint written, neither completed nor aborted. */
async function interruptedCopy(store: ObjectStore, partNumbers: number[], resumeId = RESUME_ID) {
  const upload = await store.createMultipartUpload(KEY, {
    contentType: "video/mp4",
    partSize: PART,
    size: SIZE,
    resumeId,
  });
  for (const partNumber of partNumbers) {
    const start = (partNumber - 1) * PART;
    const body = server.content.subarray(start, Math.min(start + PART, SIZE));
    await upload.uploadPart({ partNumber, offset: start, body });
  }
}

/** The test server's source, its responses naming version `tag` as an ETag would. */
function versioned(tag: string): ByteSource {
  return {
    description: source.description,
    fetch: async (range, signal) => ({ ...(await source.fetch(range, signal)), validator: `etag "${tag}"` }),
  };
}

function copy(store: ObjectStore, resumeId = RESUME_ID, from: ByteSource = source) {
  const before = server.requests.length;
  const copied = rangedCopy({
    source: from,
    store,
    key: KEY,
    contentType: "video/mp4",
    partSize: PART,
    resumeId,
  });
  return copied.then((result) => ({
    result,
    fetchedParts: server.requests.slice(before).map((r) => r.part),
  }));
}

async function storedBytes(store: ObjectStore): Promise<Buffer> {
  return Buffer.from((await store.get(KEY)) ?? new Uint8Array());
}

describe.each(Object.keys(backends))("a resumed copy on the %s store", (name) => {
  it("fetches only the missing parts and stores the same bytes with the whole file's SHA-256", async () => {
    const backend = await (backends[name] as () => Promise<Backend>)();
    await interruptedCopy(backend.store, [1, 2, 4]);
    expect(await backend.leftovers()).toHaveLength(name === "s3" ? 2 : 1);

    const { result, fetchedParts } = await copy(backend.store);
    // Part 1 is asked for first whatever the checkpoint says: that request learns the size.
    expect(fetchedParts.sort()).toEqual([1, 3, 5]);
    expect(result).toMatchObject({ size: SIZE, sha256: server.sha256, parts: PARTS, resumedBytes: 3 * PART });
    expect(server.content.equals(await storedBytes(backend.store))).toBe(true);
    expect(await backend.leftovers()).toEqual([]);
  });

  it("starts over when the source's size (its resume id) changed", async () => {
    const backend = await (backends[name] as () => Promise<Backend>)();
    await interruptedCopy(backend.store, [1, 2, 3], `file-1:${SIZE - 1}`);
    const { result, fetchedParts } = await copy(backend.store);
    expect(fetchedParts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ sha256: server.sha256, resumedBytes: 0 });
    expect(server.content.equals(await storedBytes(backend.store))).toBe(true);
    expect(await backend.leftovers()).toEqual([]);
  });

  it("goes on with parts of the same version of the source, starts over on another of the same size", async () => {
    const same = await (backends[name] as () => Promise<Backend>)();
    await interruptedCopy(same.store, [2, 3], `${RESUME_ID} etag "v1"`);
    const resumed = await copy(same.store, RESUME_ID, versioned("v1"));
    expect(resumed.fetchedParts.sort()).toEqual([1, 4, 5]);

    const replaced = await (backends[name] as () => Promise<Backend>)();
    await interruptedCopy(replaced.store, [2, 3], `${RESUME_ID} etag "v1"`);
    const { result, fetchedParts } = await copy(replaced.store, RESUME_ID, versioned("v2"));
    expect(fetchedParts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ sha256: server.sha256, resumedBytes: 0 });
    expect(await replaced.leftovers()).toEqual([]);
  });

  it("starts over when a stored part changed or the upload is gone", async () => {
    const backend = await (backends[name] as () => Promise<Backend>)();
    await interruptedCopy(backend.store, [1, 2, 3]);
    await backend.spoil();
    const { result, fetchedParts } = await copy(backend.store);
    expect(fetchedParts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ sha256: server.sha256, resumedBytes: 0 });
    expect(server.content.equals(await storedBytes(backend.store))).toBe(true);
    expect(await backend.leftovers()).toEqual([]);
  });
});

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

  it("while reading the object back for its SHA-256 keeps the checkpoint: the next run fetches nothing again", async () => {
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
    const { result, fetchedParts } = await copy(backend.store);
    expect(fetchedParts).toEqual([1]);
    expect(result).toMatchObject({ size: SIZE, sha256: server.sha256, resumedBytes: SIZE });
    expect(await backend.leftovers()).toEqual([]);
  });

  it("out of its time budget while reading back (Lambda) suspends; the next call reads the object back", async () => {
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
    const { result, fetchedParts } = await copy(backend.store);
    expect(fetchedParts).toEqual([1]);
    expect(result).toMatchObject({ size: SIZE, sha256: server.sha256, resumedBytes: SIZE });
  });
});

describe("part folders that no run came back to", () => {
  it("are removed by a store's first write once older than abandonedAfterDays; recent ones are kept", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "zrec-abandoned-"));
    folders.push(root);
    const parts = path.join(root, FS_TEMP_DIR, FS_RESUME_DIR);
    await interruptedCopy(createFsStore({ root }), [1]);
    const [old] = await readdir(parts);
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 60 * 60 * 1000);
    await utimes(path.join(parts, old as string), eightDaysAgo, eightDaysAgo);
    const other = KEY.replace("shared_screen", "audio_only");
    const recent = await createFsStore({ root }).createMultipartUpload(other, {
      contentType: "audio/m4a",
      partSize: PART,
      size: SIZE,
      resumeId: "file-2:1",
    });
    await recent.uploadPart({ partNumber: 1, offset: 0, body: server.content.subarray(0, PART) });

    await createFsStore({ root, abandonedAfterDays: 7 }).put("x/y.json", "{}", {
      contentType: "application/json",
    });
    const left = await readdir(parts);
    expect(left).not.toContain(old);
    expect(left).toHaveLength(1);
  });
});

describe("a folder-store copy killed after its file was moved into place, before its part folder went", () => {
  /** Every part stored and the file renamed to the key, as a kill between rename and clean-up leaves it. */
  async function movedButNotCleanedUp() {
    const root = await mkdtemp(path.join(tmpdir(), "zrec-resume-"));
    folders.push(root);
    const store = createFsStore({ root });
    await interruptedCopy(store, [1, 2, 3, 4, 5]);
    const parts = path.join(root, FS_TEMP_DIR, FS_RESUME_DIR);
    const [folder] = await readdir(parts);
    await mkdir(path.dirname(path.join(root, KEY)), { recursive: true });
    await rename(path.join(parts, folder as string, "data"), path.join(root, KEY));
    return { root, store, parts };
  }

  it("completes from that file: fetches part 1 alone, same bytes and SHA-256, no part folder left", async () => {
    const { store, parts } = await movedButNotCleanedUp();
    const { result, fetchedParts } = await copy(store);
    expect(fetchedParts).toEqual([1]);
    expect(result).toMatchObject({ size: SIZE, sha256: server.sha256, resumedBytes: SIZE });
    expect(server.content.equals(await storedBytes(store))).toBe(true);
    expect(await readdir(parts).catch(() => [])).toEqual([]);
  });

  it("starts over when the file at the key is not made of the checkpoint's parts", async () => {
    const { root, store } = await movedButNotCleanedUp();
    const handle = await open(path.join(root, KEY), "r+");
    await handle.write(Buffer.from("changed since"), 0, 13, 3 * PART + 7);
    await handle.close();
    const { result, fetchedParts } = await copy(store);
    expect(fetchedParts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ sha256: server.sha256, resumedBytes: 0 });
    expect(server.content.equals(await storedBytes(store))).toBe(true);
  });
});
