/**
 * A multipart upload into S3. Parts go up as they arrive (in any order, concurrently), each with a
 * SHA-256 that S3 checks (unless the store turned checksums off); the object appears only when CompleteMultipartUpload succeeds, and every way
 * out that is not a completion aborts the upload so that no parts are left behind (and billed).
 */
import { createHash } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { BackendError, ErrorCode } from "../errors.js";
import type { MultipartUpload, ObjectInfo, StoredObject } from "../ports.js";
import { S3_MAX_PART_SIZE, S3_MAX_PARTS, S3_MIN_PART_SIZE } from "./s3-limits.js";

export interface S3MultipartOptions {
  client: S3Client;
  bucket: string;
  /** The key in the bucket, store prefix included. */
  objectKey: string;
  /** The key as the port knows it, for messages and the result. */
  key: string;
  url: string;
  contentType: string;
  partSize: number;
  size: number;
  /** Send a SHA-256 with every part for S3 to verify. */
  checksums: boolean;
  /** Names the store in messages, e.g. `s3://bucket/prefix/`. */
  description: string;
  /** Wraps an SDK error into the store's error: `{description}: {action} {key} failed: …`. */
  fail: (action: string, cause: unknown) => BackendError;
  /** The object at the key, once complete (size and ETag as S3 reports them). */
  head: () => Promise<ObjectInfo | undefined>;
}

type State = "open" | "completing" | "completed" | "aborted";

/**
 * Checks the part layout against S3's limits, starts the upload and returns it.
 * @example
 * const upload = await startS3Multipart({ client, bucket, objectKey, key, url, contentType, partSize, size,
 *   checksums: true, description, fail, head });
 * await upload.uploadPart({ partNumber: 2, offset: partSize, body: second });
 * await upload.uploadPart({ partNumber: 1, offset: 0, body: first });
 * const stored = await upload.complete();
 */
export async function startS3Multipart(options: S3MultipartOptions): Promise<MultipartUpload> {
  const { client, bucket, objectKey, key, partSize, size, checksums, fail } = options;
  const refuse = (sentence: string) =>
    new BackendError(
      ErrorCode.STORE_FAILED,
      `${options.description}: multipart upload of ${key}: ${sentence}`,
    );

  if (!Number.isSafeInteger(size) || size < 0) throw refuse(`size ${size} is not a non-negative integer`);
  if (!Number.isSafeInteger(partSize) || partSize <= 0) {
    throw refuse(`part size ${partSize} is not a positive integer`);
  }
  // S3 wants at least one part, even for an empty object.
  const partCount = Math.max(1, Math.ceil(size / partSize));
  // Refused here rather than by S3 after gigabytes have gone up (too small only shows at completion).
  if (partCount > 1 && partSize < S3_MIN_PART_SIZE) {
    throw refuse(
      `part size ${partSize} is under S3's minimum of ${S3_MIN_PART_SIZE} bytes (see choosePartSize)`,
    );
  }
  if (Math.min(partSize, size) > S3_MAX_PART_SIZE) {
    throw refuse(`part size ${partSize} is over S3's maximum of 5 GiB`);
  }
  if (partCount > S3_MAX_PARTS) {
    throw refuse(`${partCount} parts are more than S3's ${S3_MAX_PARTS} (see choosePartSize)`);
  }

  let uploadId: string;
  try {
    const created = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: objectKey,
        ContentType: options.contentType,
        ...(checksums ? { ChecksumAlgorithm: "SHA256" as const } : {}),
      }),
    );
    if (!created.UploadId) throw new Error("the answer carried no UploadId");
    uploadId = created.UploadId;
  } catch (error) {
    throw fail("starting the upload of", error);
  }
  const target = { Bucket: bucket, Key: objectKey, UploadId: uploadId };

  let state: State = "open";
  let completion: Promise<StoredObject> | undefined;
  let discarding: Promise<void> | undefined;
  const parts = new Map<number, CompletedPart>();
  const inFlight = new Set<Promise<void>>();
  // Cancels part requests still on the wire when the upload is aborted (Ctrl-C must not wait for them).
  const cancel = new AbortController();

  /** Aborts the upload on S3 once no part request is left to land after it; an upload already gone is fine. */
  function discard(): Promise<void> {
    cancel.abort();
    discarding ??= (async () => {
      await Promise.allSettled(inFlight);
      try {
        await client.send(new AbortMultipartUploadCommand(target));
      } catch (error) {
        if (!isGone(error)) throw fail("aborting the upload of", error);
      }
    })().catch((error: unknown) => {
      discarding = undefined;
      throw error;
    });
    return discarding;
  }

  async function sendPart(partNumber: number, body: Uint8Array): Promise<void> {
    const checksum = checksums ? createHash("sha256").update(body).digest("base64") : undefined;
    let etag: string | undefined;
    try {
      const answer = await client.send(
        new UploadPartCommand({
          ...target,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.byteLength,
          ...(checksum ? { ChecksumAlgorithm: "SHA256" as const, ChecksumSHA256: checksum } : {}),
        }),
        { abortSignal: cancel.signal },
      );
      etag = answer.ETag;
    } catch (error) {
      if (state === "aborted")
        throw refuse(`part ${partNumber} was cancelled because the upload was aborted`);
      throw fail(`uploading part ${partNumber} of`, error);
    }
    if (!etag) throw fail(`uploading part ${partNumber} of`, new Error("the answer carried no ETag"));
    parts.set(partNumber, {
      PartNumber: partNumber,
      ETag: etag,
      ...(checksum ? { ChecksumSHA256: checksum } : {}),
    });
  }

  async function finish(): Promise<StoredObject> {
    await Promise.allSettled(inFlight);
    const missing: number[] = [];
    for (let n = 1; n <= partCount; n++) if (!parts.has(n)) missing.push(n);
    if (missing.length > 0) {
      await discard().catch(() => {});
      throw refuse(
        `part${missing.length === 1 ? "" : "s"} ${missing.join(", ")} of ${partCount} never arrived`,
      );
    }
    const sorted = [...parts.values()].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    let etag: string | undefined;
    try {
      const answer = await client.send(
        new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: sorted } }),
      );
      etag = answer.ETag;
    } catch (error) {
      await discard().catch(() => {});
      throw fail("completing the upload of", error);
    }
    const info = await options.head();
    if (info?.size !== size) {
      throw refuse(`the completed object holds ${info?.size ?? "no"} bytes, expected ${size}`);
    }
    return { key, url: options.url, etag: info.etag ?? etag ?? "", size };
  }

  return {
    async uploadPart({ partNumber, offset, body }) {
      if (state !== "open") throw refuse(`part ${partNumber} arrived after the upload was ${state}`);
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > partCount) {
        throw refuse(`part number ${partNumber} is outside 1..${partCount}`);
      }
      const expectedOffset = (partNumber - 1) * partSize;
      const expectedLength = Math.min(partSize, size - expectedOffset);
      // S3 would accept a part of the wrong size and build a corrupt object from it: checked strictly.
      if (offset !== expectedOffset || body.byteLength !== expectedLength) {
        throw refuse(
          `part ${partNumber} has ${body.byteLength} bytes at offset ${offset}, expected ${expectedLength} at ${expectedOffset}`,
        );
      }
      const send = sendPart(partNumber, body);
      const tracked = send.catch(() => {});
      inFlight.add(tracked);
      try {
        await send;
      } finally {
        inFlight.delete(tracked);
      }
    },

    complete() {
      if (state === "completing" || state === "completed") {
        return completion ?? Promise.reject(refuse("it is already completed"));
      }
      if (state === "aborted") return Promise.reject(refuse("it was aborted"));
      state = "completing";
      completion = finish().then(
        (stored) => {
          state = "completed";
          return stored;
        },
        (error: unknown) => {
          state = "aborted";
          throw error;
        },
      );
      return completion;
    },

    async abort() {
      if (state === "completing") {
        await completion?.catch(() => {});
        return;
      }
      if (state === "completed") return;
      state = "aborted";
      await discard();
    },
  };
}

/** Whether an SDK error says the upload no longer exists (aborted or completed already). */
function isGone(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return name === "NoSuchUpload" || status === 404;
}
