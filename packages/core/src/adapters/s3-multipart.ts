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
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type Part,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { BackendError } from "../errors.js";
import type { MultipartUpload, ObjectInfo, StoredObject } from "../ports.js";
import { type Checkpoint, parseCheckpoint } from "./checkpoint.js";
import type { CheckpointKeeper } from "./multipart-base.js";
import { checkLayout, multipartRefusal, multipartUpload } from "./multipart-base.js";
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
  /** Makes the upload resumable: its checkpoint is the object `checkpointKey` in the same bucket. */
  resume?: { resumeId: string; checkpointKey: string };
}

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
  // S3 wants at least one part, even for an empty object.
  const layout = {
    description: options.description,
    key,
    partSize,
    size,
    partCount: Math.max(1, Math.ceil(size / partSize)),
  };
  checkLayout(layout);
  const refuse = (sentence: string) => multipartRefusal(layout, sentence);
  // Refused here rather than by S3 after gigabytes have gone up (too small only shows at completion).
  if (layout.partCount > 1 && partSize < S3_MIN_PART_SIZE) {
    throw refuse(
      `part size ${partSize} is under S3's minimum of ${S3_MIN_PART_SIZE} bytes (see choosePartSize)`,
    );
  }
  if (Math.min(partSize, size) > S3_MAX_PART_SIZE) {
    throw refuse(`part size ${partSize} is over S3's maximum of 5 GiB`);
  }
  if (layout.partCount > S3_MAX_PARTS) {
    throw refuse(`${layout.partCount} parts are more than S3's ${S3_MAX_PARTS} (see choosePartSize)`);
  }

  const { resume } = options;
  const wanted = resume ? { key, resumeId: resume.resumeId, size, partSize } : undefined;
  const found =
    resume && wanted
      ? await reusableCheckpoint(client, bucket, objectKey, resume.checkpointKey, wanted, options.head)
      : undefined;
  let checkpoint = found?.checkpoint;
  // A run killed while S3 completed its upload: the object is there, made of exactly the listed parts.
  const completedBefore = found?.completed === true;
  let uploadId = checkpoint?.upload;
  if (uploadId === undefined) {
    uploadId = await createUpload();
    if (wanted) checkpoint = { version: 1, ...wanted, upload: uploadId, parts: [] };
  }

  async function createUpload(): Promise<string> {
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
      return created.UploadId;
    } catch (error) {
      throw fail("starting the upload of", error);
    }
  }
  const target = { Bucket: bucket, Key: objectKey, UploadId: uploadId };
  const parts = new Map<number, CompletedPart>(
    checkpoint?.parts.map((part) => [
      part.partNumber,
      {
        PartNumber: part.partNumber,
        ETag: part.etag,
        ...(checksums && part.sha256 ? { ChecksumSHA256: part.sha256 } : {}),
      },
    ]),
  );
  const keeper: CheckpointKeeper | undefined =
    resume && checkpoint
      ? {
          initial: checkpoint,
          async save(next) {
            await client.send(
              new PutObjectCommand({
                Bucket: bucket,
                Key: resume.checkpointKey,
                Body: JSON.stringify(next),
                ContentType: "application/json",
              }),
            );
          },
          async remove() {
            await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: resume.checkpointKey }));
          },
        }
      : undefined;
  // Cancels part requests still on the wire when the upload is aborted (Ctrl-C must not wait for them).
  const cancel = new AbortController();
  let discarding: Promise<void> | undefined;

  /** Aborts the upload on S3; an upload already gone is fine. Failed aborts can be tried again. */
  function discard(): Promise<void> {
    discarding ??= (async () => {
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

  /**
   * Aborts the other uploads of this key: those of a process killed mid-copy (kill -9, a Lambda time-out)
   * that this run has now replaced, and whose parts S3 would otherwise keep and bill. Best effort: a
   * role without s3:ListBucketMultipartUploads, or a stand-in without the call, leaves them to the
   * bucket's lifecycle rule.
   */
  async function abortLeftovers(): Promise<void> {
    try {
      const listed = await client.send(
        new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: objectKey }),
      );
      for (const upload of listed.Uploads ?? []) {
        if (upload.Key !== objectKey || !upload.UploadId || upload.UploadId === uploadId) continue;
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: objectKey, UploadId: upload.UploadId }),
        );
      }
    } catch {
      // the object is complete either way; what is left here is the lifecycle rule's
    }
  }

  return multipartUpload(layout, {
    async sendPart(partNumber, _offset, body) {
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
        if (cancel.signal.aborted)
          throw refuse(`part ${partNumber} was cancelled because the upload was aborted`);
        throw fail(`uploading part ${partNumber} of`, error);
      }
      if (!etag) throw fail(`uploading part ${partNumber} of`, new Error("the answer carried no ETag"));
      parts.set(partNumber, {
        PartNumber: partNumber,
        ETag: etag,
        ...(checksum ? { ChecksumSHA256: checksum } : {}),
      });
      return { etag, ...(checksum ? { sha256: checksum } : {}) };
    },

    async finish(): Promise<StoredObject> {
      const sorted = [...parts.values()].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      let etag: string | undefined;
      if (!completedBefore)
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
      await abortLeftovers();
      return { key, url: options.url, etag: info.etag ?? etag ?? "", size };
    },

    discard,
    cancelInFlight: () => cancel.abort(),
    ...(keeper ? { checkpoint: keeper } : {}),
  });
}

/**
 * The checkpoint at `checkpointKey` when it was made for `target` and S3 still holds every part it lists
 * with the same ETag and size (ListParts). An upload S3 no longer knows starts over, unless the checkpoint
 * lists every part and the object at the key is the one they make (size, and the multipart ETag of
 * exactly those parts): then a run was killed while S3 completed it, and the copy is `completed`. One
 * whose parts disagree is aborted first. Anything unreadable counts as no checkpoint: resuming is an
 * optimisation.
 */
async function reusableCheckpoint(
  client: S3Client,
  bucket: string,
  objectKey: string,
  checkpointKey: string,
  target: Pick<Checkpoint, "key" | "resumeId" | "size" | "partSize">,
  head: () => Promise<ObjectInfo | undefined>,
): Promise<{ checkpoint: Checkpoint; completed: boolean } | undefined> {
  let checkpoint: Checkpoint | undefined;
  try {
    const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: checkpointKey }));
    checkpoint = parseCheckpoint((await answer.Body?.transformToString()) ?? "", target);
  } catch {
    return undefined;
  }
  if (!checkpoint) return undefined;
  const upload = { Bucket: bucket, Key: objectKey, UploadId: checkpoint.upload };
  let listed: Map<number, Part>;
  try {
    listed = await listParts(client, upload);
  } catch (error) {
    if (!isGone(error)) return undefined;
    const completed = await completedFrom(checkpoint, head).catch(() => false);
    return completed ? { checkpoint, completed } : undefined;
  }
  const intact = checkpoint.parts.every((part) => {
    const found = listed.get(part.partNumber);
    return found?.ETag === part.etag && found.Size === part.size;
  });
  if (intact && checkpoint.parts.length > 0) return { checkpoint, completed: false };
  await client.send(new AbortMultipartUploadCommand(upload)).catch(() => {});
  return undefined;
}

/** Whether the object at the key is the one the checkpoint's parts make, all of them listed. */
async function completedFrom(
  checkpoint: Checkpoint,
  head: () => Promise<ObjectInfo | undefined>,
): Promise<boolean> {
  const count = Math.max(1, Math.ceil(checkpoint.size / checkpoint.partSize));
  if (checkpoint.parts.length !== count) return false;
  const info = await head();
  return info?.size === checkpoint.size && unquoted(info.etag) === multipartEtag(checkpoint.parts);
}

/** S3's ETag of a completed multipart upload: the MD5 of its parts' binary MD5s, then the count. */
function multipartEtag(parts: Checkpoint["parts"]): string {
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  const digests = sorted.map((part) => Buffer.from(unquoted(part.etag), "hex"));
  return `${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${sorted.length}`;
}

const unquoted = (etag: string | undefined) => (etag ?? "").replaceAll('"', "");

async function listParts(
  client: S3Client,
  upload: { Bucket: string; Key: string; UploadId: string },
): Promise<Map<number, Part>> {
  const parts = new Map<number, Part>();
  let marker: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListPartsCommand({ ...upload, ...(marker !== undefined ? { PartNumberMarker: marker } : {}) }),
    );
    for (const part of page.Parts ?? []) if (part.PartNumber !== undefined) parts.set(part.PartNumber, part);
    if (!page.IsTruncated || page.NextPartNumberMarker === undefined) return parts;
    marker = page.NextPartNumberMarker;
  }
}

/** Whether an SDK error says the upload no longer exists (aborted or completed already). */
function isGone(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return name === "NoSuchUpload" || status === 404;
}
