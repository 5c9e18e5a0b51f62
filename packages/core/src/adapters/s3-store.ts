/**
 * The AWS object store: one bucket, optionally under a key prefix, laid out as the earlier Python system
 * laid it out (`{prefix}{recording_id}/…`), so either can read what the other wrote. Loaded only when
 * `storage.type` is `s3`.
 */
import type { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { BackendError, ErrorCode, messageOf } from "../errors.js";
import type { ObjectInfo, ObjectStore, StoredObject } from "../ports.js";
import { type AwsBackendOptions, awsClientConfig } from "./aws-client-config.js";
import { keyProblem, refusedKey } from "./keys.js";
import { S3_MULTIPART_LIMITS } from "./s3-limits.js";
import { startS3Multipart } from "./s3-multipart.js";

const MiB = 1024 * 1024;
/** putStream's parts: 8 MiB x 10,000 parts allows a 78 GiB stream; 4 in flight hold 32 MiB. */
const STREAM_PART_SIZE = 8 * MiB;
const STREAM_QUEUE_SIZE = 4;

/**
 * Checkpoints of resumable uploads, under the store's prefix: `{prefix}.zrec-uploads/{key}.json`. No
 * recording key starts with a dot, so nothing that lists recordings mistakes one for a recording.
 */
export const S3_CHECKPOINT_PREFIX = ".zrec-uploads/";

/** A ready client (its owner configures and destroys it), or what to build one from. Never both. */
export type S3Connection =
  | { client: S3Client; region?: never; endpoint?: never; profile?: never; forcePathStyle?: never }
  | (AwsBackendOptions & {
      client?: never;
      /** Address the bucket as `{endpoint}/{bucket}` instead of `{bucket}.{endpoint}`. Default false. */
      forcePathStyle?: boolean;
    });

export type S3StoreOptions = S3Connection & {
  bucket: string;
  /** Prepended to every key; a `/` is added when it lacks one. Default `""`. */
  prefix?: string;
  /**
   * The URL of the bucket's root in recorded URLs (`{publicUrlBase}/{prefix}{key}`). Default
   * `https://{bucket}.s3.amazonaws.com` (what the earlier system recorded), or `{endpoint}/{bucket}` with a
   * custom endpoint (a client passed in is not asked for its endpoint: give this instead).
   */
  publicUrlBase?: string;
  /** Keys per ListObjectsV2 request, 1 to 1000. Default 1000 (S3's maximum). */
  listPageSize?: number;
  /**
   * Send a SHA-256 with every multipart part for S3 to verify. Default true, except with a custom
   * endpoint, where S3 stand-ins may not know the checksum headers.
   */
  checksums?: boolean;
};

/**
 * Opens a bucket (under an optional prefix) as an {@link ObjectStore}.
 * @example
 * const store = createS3Store({ bucket: "recordings", prefix: "zoom", region: "us-east-1" });
 * await store.put("0a7203ad-…/recording.json", "{}", { contentType: "application/json" });
 * store.urlFor("0a7203ad-…/recording.json"); // https://recordings.s3.amazonaws.com/zoom/0a7203ad-…/recording.json
 * await store.close?.();
 */
export function createS3Store(options: S3StoreOptions): ObjectStore {
  const { bucket } = options;
  const pageSize = options.listPageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new RangeError(`listPageSize must be an integer from 1 to 1000, not ${pageSize}`);
  }
  const prefix =
    options.prefix && !options.prefix.endsWith("/") ? `${options.prefix}/` : (options.prefix ?? "");
  const description = `s3://${bucket}/${prefix}`;
  const ownsClient = options.client === undefined;
  const client = options.client ?? new S3Client(clientConfig(options));
  const urlBase = (
    options.publicUrlBase ??
    (options.endpoint
      ? `${options.endpoint.replace(/\/+$/, "")}/${bucket}`
      : `https://${bucket}.s3.amazonaws.com`)
  ).replace(/\/+$/, "");
  const checksums = options.checksums ?? options.endpoint === undefined;

  const fail = (action: string, key: string, cause: unknown) =>
    s3Failure(description, bucket, action, key, cause);

  /** The key in the bucket, or a refusal for a key the folder store would refuse too. */
  function objectKey(key: string): string {
    const problem = keyProblem(key);
    if (problem !== undefined) throw refusedKey(description, key, problem);
    const full = prefix + key;
    if (Buffer.byteLength(full) > 1024)
      throw refusedKey(description, key, "with the prefix it is over S3's 1024 bytes");
    return full;
  }

  function urlFor(key: string): string {
    return `${urlBase}/${objectKey(key).split("/").map(encodeURIComponent).join("/")}`;
  }

  async function head(key: string): Promise<ObjectInfo | undefined> {
    const Key = objectKey(key);
    try {
      const answer = await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
      return { key, size: answer.ContentLength ?? 0, ...(answer.ETag ? { etag: answer.ETag } : {}) };
    } catch (error) {
      // HEAD answers carry no body, so a missing bucket is a 404 like a missing key.
      if (httpStatus(error) === 404) return undefined;
      throw fail("inspecting", key, error);
    }
  }

  /**
   * Keys page by page, the next page asked for as soon as one arrives: a caller that works on each key
   * (rebuild-db reads every document) does not wait a round trip per 1,000 keys. One page ahead at most.
   */
  async function* list(keyPrefix: string): AsyncGenerator<string> {
    const what = keyPrefix === "" ? "every key" : `keys under ${keyPrefix}`;
    const fetchPage = (token: string | undefined): Promise<ListObjectsV2CommandOutput> => {
      const pending = listPage(prefix + keyPrefix, token).catch((error: unknown) => {
        throw fail("listing", what, error);
      });
      // Awaited below; a caller that stops early must not leave an unhandled rejection behind.
      pending.catch(() => {});
      return pending;
    };
    let next: Promise<ListObjectsV2CommandOutput> | undefined = fetchPage(undefined);
    while (next !== undefined) {
      const page: ListObjectsV2CommandOutput = await next;
      const token: string | undefined = page.IsTruncated ? page.NextContinuationToken : undefined;
      next = token === undefined ? undefined : fetchPage(token);
      for (const entry of page.Contents ?? []) {
        if (entry.Key?.startsWith(prefix)) yield entry.Key.slice(prefix.length);
      }
    }
  }

  function listPage(Prefix: string, ContinuationToken: string | undefined) {
    return client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix,
        MaxKeys: pageSize,
        ...(ContinuationToken ? { ContinuationToken } : {}),
      }),
    );
  }

  /** Reads back what S3 made of a finished upload: it reports the ETag, we need the size too. */
  async function storedAt(key: string, action: string): Promise<StoredObject> {
    const info = await head(key);
    if (info === undefined) throw fail(action, key, new Error("the object was not there afterwards"));
    return { key, url: urlFor(key), etag: info.etag ?? "", size: info.size };
  }

  return {
    description,
    multipartLimits: S3_MULTIPART_LIMITS,
    urlFor,

    async put(key, body, { contentType, cacheControl }) {
      const Key = objectKey(key);
      const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      try {
        const answer = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key,
            Body: bytes,
            ContentType: contentType,
            ...(cacheControl === undefined ? {} : { CacheControl: cacheControl }),
            ContentLength: bytes.byteLength,
          }),
        );
        return { key, url: urlFor(key), etag: answer.ETag ?? "", size: bytes.byteLength };
      } catch (error) {
        throw fail("writing", key, error);
      }
    },

    async putStream(key, body: Readable, { contentType }) {
      const Key = objectKey(key);
      let sourceError: unknown;
      const onSourceError = (error: unknown) => {
        sourceError ??= error;
      };
      body.on("error", onSourceError);
      // lib-storage aborts its multipart upload on any failure (leavePartsOnError false), and makes
      // a single PutObject of a stream shorter than one part.
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key, Body: body, ContentType: contentType },
        partSize: STREAM_PART_SIZE,
        queueSize: STREAM_QUEUE_SIZE,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (error) {
        body.destroy();
        // A failing source is the caller's error, not the store's: passed through unchanged.
        if (sourceError !== undefined && error === sourceError) throw error;
        throw fail("writing", key, error);
      } finally {
        body.off("error", onSourceError);
      }
      return storedAt(key, "writing");
    },

    async get(key) {
      const Key = objectKey(key);
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        return answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if (sdkName(error) === "NoSuchKey") return undefined;
        throw fail("reading", key, error);
      }
    },

    head,

    list(keyPrefix) {
      return list(keyPrefix);
    },

    async delete(key) {
      const Key = objectKey(key);
      try {
        // S3 answers 204 for a key that is not there.
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
      } catch (error) {
        throw fail("deleting", key, error);
      }
    },

    async read(key) {
      const Key = objectKey(key);
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        return (answer.Body as AsyncIterable<Uint8Array> | undefined) ?? (async function* () {})();
      } catch (error) {
        if (sdkName(error) === "NoSuchKey") return undefined;
        throw fail("reading", key, error);
      }
    },

    async createMultipartUpload(key, { contentType, partSize, size, resumeId }) {
      const Key = objectKey(key);
      return startS3Multipart({
        client,
        bucket,
        objectKey: Key,
        key,
        url: urlFor(key),
        contentType,
        partSize,
        size,
        checksums,
        description,
        fail: (action, cause) => fail(action, key, cause),
        head: () => head(key),
        ...(resumeId !== undefined
          ? {
              resume: {
                resumeId,
                checkpointKey: `${prefix}${S3_CHECKPOINT_PREFIX}${Key.slice(prefix.length)}.json`,
              },
            }
          : {}),
      });
    },

    async close() {
      if (ownsClient) client.destroy();
    },
  };
}

/**
 * Client settings for a store that builds its own client. Since SDK 3.729 every upload carries a CRC32
 * and streamed bodies may use aws-chunked framing by default; S3 stand-ins (s3rver, older MinIO, Ceph)
 * store the framing as object bytes or refuse it, so with a custom endpoint checksums are only sent
 * where an API requires them.
 */
export function clientConfig(options: AwsBackendOptions & { forcePathStyle?: boolean }) {
  return {
    ...awsClientConfig(options),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.endpoint
      ? {
          requestChecksumCalculation: "WHEN_REQUIRED" as const,
          responseChecksumValidation: "WHEN_REQUIRED" as const,
        }
      : {}),
  };
}

function s3Failure(
  description: string,
  bucket: string,
  action: string,
  key: string,
  cause: unknown,
): BackendError {
  const name = sdkName(cause);
  // The SDK's message for an error without a body (HEAD, some 403s) is "UnknownError" or the name itself.
  const detail = messageOf(cause);
  const reason =
    name && detail && detail !== name && detail !== "UnknownError"
      ? `${name}: ${detail}`
      : `${name ?? "Error"}${httpStatus(cause) ? ` (HTTP ${httpStatus(cause)})` : ""}`;
  return new BackendError(ErrorCode.STORE_FAILED, `${description}: ${action} ${key} failed: ${reason}`, {
    cause,
    ...suggestionFor(name, bucket),
  });
}

function suggestionFor(name: string | undefined, bucket: string): { suggestion?: string } {
  switch (name) {
    case "NoSuchBucket":
      return { suggestion: `Create bucket ${bucket} (run \`zrec setup\`) or correct storage.bucket.` };
    case "AccessDenied":
    case "InvalidAccessKeyId":
    case "SignatureDoesNotMatch":
    case "ExpiredToken":
    case "CredentialsProviderError":
      return {
        suggestion: `Check the AWS credentials zrec runs with (storage.profile, AWS_PROFILE, the environment) and their access to bucket ${bucket}.`,
      };
    default:
      return {};
  }
}

function sdkName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : undefined;
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}
