import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { describeObjectStore } from "@zrec/test-utils/conformance";
import { useS3rver } from "@zrec/test-utils/s3rver";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { BackendError } from "../errors.js";
import type { ObjectStore } from "../ports.js";
import { choosePartSize } from "../transfer/part-plan.js";
import { S3_MAX_PARTS, S3_MIN_PART_SIZE } from "./s3-limits.js";
import { createS3Store } from "./s3-store.js";

const MiB = 1024 * 1024;
const BUCKET = "zrec-test";
const json = { contentType: "application/json" };
const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest();

const s3 = useS3rver({ buckets: [BUCKET] });
let client: S3Client;
let prefix: string;
let store: ObjectStore;
let testNumber = 0;

beforeAll(() => {
  client = s3().client();
});
describeObjectStore("S3 (s3rver)", async () => {
  const own = `contract${++testNumber}`;
  const pendingUnder = async () =>
    (await s3().pendingUploads(BUCKET))
      .map((upload) => upload.key)
      .filter((key) => key.startsWith(`${own}/`));
  return {
    store: createS3Store({ client, bucket: BUCKET, prefix: own }),
    partSize: S3_MIN_PART_SIZE,
    leftovers: pendingUnder,
    close: async () => {},
  };
});

// Every test works under its own prefix, so they share one server without seeing each other's keys.
beforeEach(() => {
  prefix = `t${++testNumber}`;
  store = createS3Store({ client, bucket: BUCKET, prefix });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function listAll(from: ObjectStore = store, keyPrefix = ""): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of from.list(keyPrefix)) keys.push(key);
  return keys;
}

async function pending(): Promise<string[]> {
  return (await s3().pendingUploads(BUCKET))
    .map((upload) => upload.key)
    .filter((key) => key.startsWith(`${prefix}/`));
}

/** A client of this server that records the commands it sends and can be told to fail some. */
function watchedClient(failWhen?: (command: string, input: Record<string, unknown>) => boolean) {
  const watched = s3().client();
  const sent: string[] = [];
  const inputs: Record<string, unknown>[] = [];
  watched.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "";
      sent.push(command);
      inputs.push(args.input as Record<string, unknown>);
      if (failWhen?.(command, args.input as Record<string, unknown>)) {
        throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
      }
      return next(args);
    },
    { step: "initialize", name: "watch" },
  );
  return { client: watched, sent, inputs };
}

/** Starts a JSON upload of `body` into `store` at `key`, in 5 MiB parts (S3's smallest). */
function startUploadIn5MiBParts(store: ObjectStore, key: string, body: Buffer) {
  return store.createMultipartUpload(key, { ...json, partSize: 5 * MiB, size: body.length });
}

/** Part `partNumber` of `body` cut into `partSize` pieces, as the ranged copy would send it. */
function part(body: Buffer, partSize: number, partNumber: number) {
  const offset = (partNumber - 1) * partSize;
  return { partNumber, offset, body: body.subarray(offset, offset + partSize) };
}

function parts(body: Buffer, partSize: number) {
  return Array.from({ length: Math.ceil(body.length / partSize) }, (_, i) => part(body, partSize, i + 1));
}

describe("createS3Store", () => {
  it("keeps objects under its prefix, with their content type and an ETag in heads", async () => {
    const stored = await store.put("0a72/recording.json", '{"a":1}', json);
    expect(stored.url).toBe(`https://${BUCKET}.s3.amazonaws.com/${prefix}/0a72/recording.json`);
    expect(store.description).toBe(`s3://${BUCKET}/${prefix}/`);
    const raw = await client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}/0a72/recording.json` }),
    );
    expect(raw.ContentType).toBe("application/json");
    expect(await store.head("0a72/recording.json")).toEqual({
      key: "0a72/recording.json",
      size: 7,
      etag: stored.etag,
    });
  });

  it("lists keys in byte order, by key prefix, without the store prefix", async () => {
    for (const key of ["b/2", "a/b", "a-c", "a/a/z", "b/10", "ab", "c"]) await store.put(key, key, json);
    // Neighbours of the prefix that are not under it stay invisible.
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}-other/a`, Body: "x" }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}a`, Body: "x" }));
    expect(await listAll()).toEqual(["a-c", "a/a/z", "a/b", "ab", "b/10", "b/2", "c"]);
    expect(await listAll(store, "a")).toEqual(["a-c", "a/a/z", "a/b", "ab"]);
    expect(await listAll(store, "a/")).toEqual(["a/a/z", "a/b"]);
    expect(await listAll(store, "a/a")).toEqual(["a/a/z"]);
    expect(await listAll(store, "b/1")).toEqual(["b/10"]);
    expect(await listAll(store, "zzz")).toEqual([]);
  });

  it("lists page by page", async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `p/${String(i).padStart(2, "0")}`);
    await Promise.all(keys.map((key) => store.put(key, key, json)));
    const { client: watched, sent } = watchedClient();
    const paged = createS3Store({ client: watched, bucket: BUCKET, prefix, listPageSize: 2 });
    expect(await listAll(paged)).toEqual(keys);
    expect(sent.filter((command) => command === "ListObjectsV2Command")).toHaveLength(4);
    expect(() => createS3Store({ client, bucket: BUCKET, listPageSize: 1001 })).toThrow(RangeError);
  });

  it("asks for the next page while the caller works on this one, and no further ahead", async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `q/${String(i).padStart(2, "0")}`);
    await Promise.all(keys.map((key) => store.put(key, key, json)));
    const { client: watched, sent } = watchedClient();
    const paged = createS3Store({ client: watched, bucket: BUCKET, prefix, listPageSize: 2 });
    const listings = () => sent.filter((command) => command === "ListObjectsV2Command").length;
    const iterator = paged.list("q/")[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe("q/00");
    await sleep(50);
    expect(listings()).toBe(2);
    await iterator.next();
    await sleep(50);
    expect(listings()).toBe(2);
    // Stopping early leaves nothing pending that could fail unhandled.
    await iterator.return?.(undefined);
  });

  it("refuses a key S3 would read as a drive path or find too long, and names itself in the refusal", async () => {
    await expect(store.put("C:/x", "x", json)).rejects.toThrow(BackendError);
    await expect(store.put("../x", "x", json)).rejects.toMatchObject({
      code: "STORE_FAILED",
      message: `s3://${BUCKET}/${prefix}/: refusing key "../x": it has a "." or ".." segment.`,
    });
    await expect(store.put("k".repeat(1025), "x", json)).rejects.toThrow(/over S3's 1024 bytes/);
    expect(await listAll()).toEqual([]);
    expect(await pending()).toEqual([]);
  });

  it("records URLs in the legacy AWS form, path style for a custom endpoint, or under a public base", async () => {
    const aws = createS3Store({ bucket: "recordings", prefix: "zoom", region: "us-east-1" });
    expect(aws.description).toBe("s3://recordings/zoom/");
    expect(aws.urlFor("0a72/audio_only.m4a")).toBe(
      "https://recordings.s3.amazonaws.com/zoom/0a72/audio_only.m4a",
    );
    expect(aws.urlFor("0a72/a b#?%.txt")).toBe(
      "https://recordings.s3.amazonaws.com/zoom/0a72/a%20b%23%3F%25.txt",
    );
    await aws.close?.();

    const custom = createS3Store({
      bucket: "recordings",
      endpoint: "http://127.0.0.1:4568/",
      forcePathStyle: true,
    });
    expect(custom.description).toBe("s3://recordings/");
    expect(custom.urlFor("0a72/audio_only.m4a")).toBe("http://127.0.0.1:4568/recordings/0a72/audio_only.m4a");
    await custom.close?.();

    const cdn = createS3Store({
      client,
      bucket: "recordings",
      prefix: "zoom/",
      publicUrlBase: "https://cdn.example.org/r/",
    });
    expect(cdn.description).toBe("s3://recordings/zoom/");
    expect(cdn.urlFor("0a72/chat_file.txt")).toBe("https://cdn.example.org/r/zoom/0a72/chat_file.txt");
  });

  it("builds its own client from a custom endpoint, and leaves a client it was given alone", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", s3().env.AWS_ACCESS_KEY_ID);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", s3().env.AWS_SECRET_ACCESS_KEY);
    vi.stubEnv("AWS_PROFILE", "");
    const { type, ...configured } = s3().storageConfig(BUCKET, prefix);
    expect(type).toBe("s3");
    const own = createS3Store(configured);
    const stored = await own.put("k/v.json", "{}", json);
    expect(stored.url).toBe(`${s3().endpoint}/${BUCKET}/${prefix}/k/v.json`);
    const upload = await own.createMultipartUpload("k/big", { ...json, partSize: 5 * MiB, size: 6 * MiB });
    const body = randomBytes(6 * MiB);
    for (const piece of parts(body, 5 * MiB)) await upload.uploadPart(piece);
    await upload.complete();
    expect(Buffer.from((await own.get("k/big")) ?? []).equals(body)).toBe(true);
    await own.close?.();

    const destroy = vi.spyOn(client, "destroy");
    await store.close?.();
    expect(destroy).not.toHaveBeenCalled();
    destroy.mockRestore();
  });

  it("streams a body of unknown length into place", async () => {
    const chunks = Array.from({ length: 11 }, () => randomBytes(MiB));
    const whole = Buffer.concat(chunks);
    const stored = await store.putStream("s/video.mp4", Readable.from(chunks), { contentType: "video/mp4" });
    expect(stored).toMatchObject({
      key: "s/video.mp4",
      size: whole.length,
      url: store.urlFor("s/video.mp4"),
    });
    // Two 8 MiB parts' worth: stored through a multipart upload, not buffered whole.
    expect(stored.etag).toMatch(/-2"$/);
    expect(Buffer.from((await store.get("s/video.mp4")) ?? []).equals(whole)).toBe(true);
    const raw = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}/s/video.mp4` }));
    expect(raw.ContentType).toBe("video/mp4");
    expect(await pending()).toEqual([]);

    const small = await store.putStream("s/chat.txt", Readable.from([Buffer.from("hello "), "world"]), json);
    expect(small).toMatchObject({ size: 11, etag: `"${md5(Buffer.from("hello world")).toString("hex")}"` });
  });

  it("leaves no object and no upload behind when the stream fails", async () => {
    async function* failing() {
      for (let i = 0; i < 9; i++) yield randomBytes(MiB);
      // Late enough for the multipart upload to have started.
      await sleep(300);
      throw new Error("source went away");
    }
    const { client: watched, sent } = watchedClient();
    const streaming = createS3Store({ client: watched, bucket: BUCKET, prefix });
    await expect(streaming.putStream("s/broken.mp4", Readable.from(failing()), json)).rejects.toThrow(
      "source went away",
    );
    expect(sent).toContain("CreateMultipartUploadCommand");
    expect(sent).toContain("AbortMultipartUploadCommand");
    expect(await store.head("s/broken.mp4")).toBeUndefined();
    expect(await pending()).toEqual([]);
    expect(await listAll()).toEqual([]);
  });

  it("aborts what a killed process left of the same key once its own upload completes, and only that", async () => {
    const key = "m/audio_only.m4a";
    const body = randomBytes(11 * MiB);
    // Two copies killed mid-upload (one had sent a part), and an unfinished upload of another key.
    const leftover = async (objectKey: string) =>
      (await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: `${prefix}/${objectKey}` })))
        .UploadId ?? "";
    const killed = await leftover(key);
    await client.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: `${prefix}/${key}`,
        UploadId: killed,
        PartNumber: 1,
        Body: body.subarray(0, 5 * MiB),
      }),
    );
    await leftover(key);
    await leftover(`${key}-2`);
    expect((await pending()).sort()).toEqual([`${prefix}/${key}`, `${prefix}/${key}`, `${prefix}/${key}-2`]);

    const upload = await store.createMultipartUpload(key, {
      contentType: "audio/m4a",
      partSize: 6 * MiB,
      size: body.length,
    });
    for (const piece of parts(body, 6 * MiB)) await upload.uploadPart(piece);
    await upload.complete();
    expect(await pending()).toEqual([`${prefix}/${key}-2`]);
    expect(Buffer.from((await store.get(key)) ?? []).equals(body)).toBe(true);
  });

  it("completes all the same when the leftovers cannot be listed (a role without the permission)", async () => {
    const { client: watched, sent } = watchedClient((command) => command === "ListMultipartUploadsCommand");
    const denied = createS3Store({ client: watched, bucket: BUCKET, prefix });
    const body = randomBytes(6 * MiB);
    const upload = await denied.createMultipartUpload("m/x.mp4", {
      contentType: "video/mp4",
      partSize: 5 * MiB,
      size: body.length,
    });
    for (const piece of parts(body, 5 * MiB)) await upload.uploadPart(piece);
    await expect(upload.complete()).resolves.toMatchObject({ key: "m/x.mp4", size: body.length });
    expect(sent).toContain("ListMultipartUploadsCommand");
  });

  it("sends a SHA-256 with every part, which the server checks", async () => {
    const { client: watched, inputs, sent } = watchedClient();
    const checked = createS3Store({ client: watched, bucket: BUCKET, prefix });
    const body = randomBytes(6 * MiB);
    const upload = await startUploadIn5MiBParts(checked, "m/sums", body);
    for (const piece of parts(body, 5 * MiB)) await upload.uploadPart(piece);
    await upload.complete();
    const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("base64");
    const sums = parts(body, 5 * MiB).map((piece) => sha256(piece.body));
    expect(inputs.map((input) => input.ChecksumSHA256).filter(Boolean)).toEqual(sums);
    expect(inputs[sent.lastIndexOf("CompleteMultipartUploadCommand")]).toMatchObject({
      MultipartUpload: { Parts: sums.map((sum, i) => ({ PartNumber: i + 1, ChecksumSHA256: sum })) },
    });

    const unchecked = createS3Store({ client: watched, bucket: BUCKET, prefix, checksums: false });
    inputs.length = 0;
    const plain = await unchecked.createMultipartUpload("m/plain", { ...json, partSize: 5 * MiB, size: 1 });
    await plain.uploadPart({ partNumber: 1, offset: 0, body: Buffer.from("x") });
    await plain.complete();
    expect(inputs.some((input) => "ChecksumSHA256" in input || "ChecksumAlgorithm" in input)).toBe(false);

    const raw = s3().client();
    const wrong = await raw.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: `${prefix}/w`, ChecksumAlgorithm: "SHA256" }),
    );
    await expect(
      raw.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: `${prefix}/w`,
          UploadId: wrong.UploadId,
          PartNumber: 1,
          Body: Buffer.from("x"),
          ChecksumAlgorithm: "SHA256",
          ChecksumSHA256: sha256(Buffer.from("y")),
        }),
      ),
    ).rejects.toMatchObject({ name: "BadDigest" });
    await raw.send(
      new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: `${prefix}/w`, UploadId: wrong.UploadId }),
    );
  });

  it("aborts while parts are in flight", async () => {
    const body = randomBytes(15 * MiB);
    const upload = await startUploadIn5MiBParts(store, "m/ctrl-c", body);
    const sending = Promise.allSettled(parts(body, 5 * MiB).map((piece) => upload.uploadPart(piece)));
    await sleep(5);
    await upload.abort();
    const outcomes = await sending;
    const cancelled = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(cancelled.length).toBeGreaterThan(0);
    for (const outcome of cancelled) {
      expect(outcome.reason).toBeInstanceOf(BackendError);
      expect((outcome.reason as Error).message).toMatch(
        /part \d was cancelled because the upload was aborted/,
      );
    }
    expect(await pending()).toEqual([]);
    expect(await store.head("m/ctrl-c")).toBeUndefined();
  });

  it("aborts after a part failed", async () => {
    const { client: flaky, sent } = watchedClient(
      (command, input) => command === "UploadPartCommand" && input.PartNumber === 2,
    );
    const failing = createS3Store({ client: flaky, bucket: BUCKET, prefix });
    const body = randomBytes(11 * MiB);
    const upload = await startUploadIn5MiBParts(failing, "m/flaky", body);
    await upload.uploadPart(part(body, 5 * MiB, 1));
    const error = await upload.uploadPart(part(body, 5 * MiB, 2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(
      `s3://${BUCKET}/${prefix}/: uploading part 2 of m/flaky failed: TimeoutError: socket hang up`,
    );
    await upload.abort();
    expect(sent).toContain("AbortMultipartUploadCommand");
    expect(await pending()).toEqual([]);
  });

  it("refuses part layouts S3 would refuse, before starting an upload", async () => {
    await expect(
      store.createMultipartUpload("m/small", { ...json, partSize: MiB, size: 3 * MiB }),
    ).rejects.toThrow(/part size 1048576 is under S3's minimum/);
    await expect(
      store.createMultipartUpload("m/many", { ...json, partSize: 5 * MiB, size: 5 * MiB * S3_MAX_PARTS + 1 }),
    ).rejects.toThrow(/10001 parts are more than S3's 10000/);
    expect(await pending()).toEqual([]);
  });

  it("states S3's limits, so that planned part sizes are ones S3 accepts", () => {
    const limits = store.multipartLimits;
    expect(choosePartSize(100 * MiB, 8 * MiB, limits)).toBe(8 * MiB);
    expect(choosePartSize(100 * MiB, MiB, limits)).toBe(S3_MIN_PART_SIZE);
    expect(choosePartSize(8 * MiB * S3_MAX_PARTS, 8 * MiB, limits)).toBe(8 * MiB);
    expect(choosePartSize(8 * MiB * S3_MAX_PARTS + 1, 8 * MiB, limits)).toBe(9 * MiB);
    const huge = 100 * 1024 * MiB;
    const chosen = choosePartSize(huge, 8 * MiB, limits);
    expect(chosen).toBe(11 * MiB);
    expect(Math.ceil(huge / chosen)).toBeLessThanOrEqual(S3_MAX_PARTS);
    expect(() => choosePartSize(1, 0, limits)).toThrow(RangeError);
  });

  it("reports a missing bucket as a BackendError that says what to do", async () => {
    const missing = createS3Store({ client, bucket: "no-such-bucket", prefix: "p" });
    const error = await missing.put("0a72/audio_only.m4a", "x", json).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({
      code: "STORE_FAILED",
      message:
        "s3://no-such-bucket/p/: writing 0a72/audio_only.m4a failed: NoSuchBucket: The specified bucket does not exist",
      suggestion: expect.stringContaining("zrec setup"),
    });
    await expect(missing.get("k")).rejects.toThrow(/reading k failed: NoSuchBucket/);
    await expect(listAll(missing)).rejects.toThrow(/listing every key failed: NoSuchBucket/);
    await expect(missing.delete("k")).rejects.toThrow(/deleting k failed: NoSuchBucket/);
    await expect(missing.putStream("k", Readable.from(["x"]), json)).rejects.toThrow(
      /writing k failed: NoSuchBucket/,
    );
    await expect(
      missing.createMultipartUpload("k", { ...json, partSize: 5 * MiB, size: 6 * MiB }),
    ).rejects.toThrow(/starting the upload of k failed: NoSuchBucket/);
    await s3().createBucket("no-such-bucket");
    expect(await missing.put("k", "x", json)).toMatchObject({ size: 1 });
  });
});
