/**
 * The fixtures of the resume tests (resume.test.ts, resume-stops.test.ts): both real stores (a folder,
 * S3 on s3rver), a range server, and what a killed copy leaves. Each test file calls `resumeFixtures()`
 * once, at its top, to start and stop them around its tests.
 */
import { mkdtemp, open, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, ListMultipartUploadsCommand, type S3Client } from "@aws-sdk/client-s3";
import { type RunningS3rver, startS3rver } from "@zrec/test-utils/s3rver";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createFsStore, FS_RESUME_DIR, FS_TEMP_DIR } from "../adapters/fs-store.js";
import { createS3Store, S3_CHECKPOINT_PREFIX } from "../adapters/s3-store.js";
import type { ObjectStore } from "../ports.js";
import { rangedCopy } from "./ranged-copy.js";
import { httpSource, type RangeServer, startRangeServer } from "./ranged-copy.test-support.js";
import type { ByteSource } from "./source.js";

export const MiB = 1024 * 1024;
// S3 wants parts of at least 5 MiB but the last.
export const PART = 5 * MiB;
export const SIZE = 4 * PART + 123_456;
export const PARTS = 5;
export const KEY = "0a7203ad-04ac-45d8-bd6d-6a778f226c65/shared_screen.mp4";
export const BUCKET = "resume";
export const RESUME_ID = `file-1:${SIZE}`;

export let s3: RunningS3rver;
export let client: S3Client;
export let server: RangeServer;
export let source: ReturnType<typeof httpSource>;
let testNumber = 0;
export const folders: string[] = [];

/**
 * Registers the hooks in the calling file, not at import: test files that share a worker's modules
 * (vitest.config.ts) import this module once, and each needs its own servers started and stopped.
 */
export function resumeFixtures(): void {
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
}

export interface Backend {
  store: ObjectStore;
  /** Checkpoints and unfinished uploads left behind. */
  leftovers(): Promise<string[]>;
  /** Spoils the interrupted upload: a stored part's bytes change (folder) or S3 forgets the upload. */
  spoil(): Promise<void>;
  /** The folder store's part folders. */
  partsDir?: string;
}

export const backends: Record<string, () => Promise<Backend>> = {
  folder: async () => {
    const root = await mkdtemp(path.join(tmpdir(), "zrec-resume-"));
    folders.push(root);
    const parts = path.join(root, FS_TEMP_DIR, FS_RESUME_DIR);
    return {
      store: createFsStore({ root }),
      partsDir: parts,
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
export async function interruptedCopy(store: ObjectStore, partNumbers: number[], resumeId = RESUME_ID) {
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
export function versioned(tag: string): ByteSource {
  return {
    description: source.description,
    fetch: async (range, signal) => ({ ...(await source.fetch(range, signal)), validator: `etag "${tag}"` }),
  };
}

export function copy(store: ObjectStore, resumeId = RESUME_ID, from: ByteSource = source) {
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

export async function storedBytes(store: ObjectStore): Promise<Buffer> {
  return Buffer.from((await store.get(KEY)) ?? new Uint8Array());
}
