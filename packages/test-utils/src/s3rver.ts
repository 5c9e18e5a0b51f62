import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateBucketCommand, ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { forTheseTests } from "./lifecycle.js";
import { installFixes, type S3rverConstructor } from "./s3rver-fixes.js";

// s3rver is CommonJS without types; its few parts used here are typed in s3rver-fixes.ts.
const require = createRequire(import.meta.url);
const _MiB = 1024 * 1024;

/** The credentials s3rver's built-in account accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
export const S3RVER_REGION = "us-east-1";

export interface StartS3rverOptions {
  /** Buckets created before the server answers. Default none. */
  buckets?: string[];
  /**
   * Called when a CompleteMultipartUpload of `key` has passed its checks, before the object is written:
   * a fault test can kill the client there, then let the completion go on or make it fail.
   */
  beforeComplete?: (key: string) => Promise<"complete" | "fail">;
}

export interface RunningS3rver {
  /** `http://127.0.0.1:{port}`, for `storage.endpoint` or an S3 client. */
  readonly endpoint: string;
  readonly region: string;
  /** The folder s3rver stores into; removed by {@link RunningS3rver.close}. */
  readonly directory: string;
  /**
   * Environment for a child process (the built CLI) that should reach this server with the SDK's default
   * credential chain: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` and the checksum
   * settings of {@link RunningS3rver.client}.
   */
  readonly env: Record<string, string>;
  /** A new client for this server (path style, s3rver's credentials); destroyed by `close()`. */
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  /** A `storage` configuration block pointing at `bucket` on this server. */
  storageConfig(
    bucket: string,
    prefix?: string,
  ): {
    type: "s3";
    bucket: string;
    prefix: string;
    region: string;
    endpoint: string;
    forcePathStyle: true;
  };
  /** Multipart uploads started and neither completed nor aborted, via ListMultipartUploads. */
  pendingUploads(bucket: string): Promise<{ key: string; uploadId: string }[]>;
  /** Destroys the clients made by `client()`, stops the server and removes its folder. */
  close(): Promise<void>;
}

/** s3rver for the tests of a file (or describe): started in `beforeAll`, closed in `afterAll`. */
export function useS3rver(options: StartS3rverOptions = {}): () => RunningS3rver {
  return forTheseTests("s3rver", () => startS3rver(options));
}

/**
 * Starts s3rver on 127.0.0.1 with a random free port in a new temporary folder.
 * @example
 * const s3 = await startS3rver({ buckets: ["recordings"] });
 * try {
 *   const store = createS3Store({ client: s3.client(), bucket: "recordings" });
 *   await store.put("a/b.json", "{}", { contentType: "application/json" });
 * } finally {
 *   await s3.close();
 * }
 */
export async function startS3rver(options: StartS3rverOptions = {}): Promise<RunningS3rver> {
  const directory = await mkdtemp(path.join(tmpdir(), "zrec-s3rver-"));
  const S3rver = require("s3rver") as S3rverConstructor;
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  installFixes(server, options);
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const clients: S3Client[] = [];

  const client = () => {
    const made = new S3Client({
      endpoint,
      region: S3RVER_REGION,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      // Since 3.729 the SDK adds CRC32 checksums to every upload and may send streaming bodies with
      // aws-chunked framing; s3rver would store that framing as object bytes. Only when an API requires it.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    clients.push(made);
    return made;
  };
  const admin = client();

  return {
    endpoint,
    region: S3RVER_REGION,
    directory,
    env: {
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: S3RVER_REGION,
      AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
      AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
    },
    client,
    async createBucket(name) {
      await admin.send(new CreateBucketCommand({ Bucket: name }));
    },
    storageConfig(bucket, prefix = "") {
      return { type: "s3", bucket, prefix, region: S3RVER_REGION, endpoint, forcePathStyle: true };
    },
    async pendingUploads(bucket) {
      const listed = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return (listed.Uploads ?? []).map((upload) => ({
        key: upload.Key ?? "",
        uploadId: upload.UploadId ?? "",
      }));
    },
    async close() {
      for (const made of clients) made.destroy();
      server.httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
