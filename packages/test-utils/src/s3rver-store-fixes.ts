/**
 * s3rver's folder store, where it stores unlike S3: a part or PUT body whose client went away, a PUT
 * stored whole or not at all, the SHA-256 sent with a part, and a completion's checks and ETag. The
 * request fixes in s3rver-fixes.ts (which installs these) use what this returns.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { IncomingMessage } from "node:http";
import path from "node:path";
import type { StartS3rverOptions } from "./s3rver.js";

const MiB = 1024 * 1024;

/** The parts of s3rver's folder store these fixes touch (s3rver is a CommonJS Koa app without types). */
export interface FilesystemStore {
  getBucket(bucket: string): Promise<unknown>;
  getBucketPath(bucket: string): string;
  getMetadata(bucket: string, key: string): Promise<Record<string, string | number | undefined>>;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putPart(bucket: string, uploadId: string, partNumber: string, content: IncomingMessage): Promise<unknown>;
  putObject(object: { content: unknown }): Promise<{ md5: string; size: number }>;
  putObjectMultipart(
    bucket: string,
    uploadId: string,
    parts: { number: number; etag: string }[],
  ): Promise<{ md5: string; size: number }>;
}
export type S3ErrorConstructor = new (
  code: string,
  message: string,
  detail?: Record<string, unknown>,
) => Error;

/** What the request fixes share with the store's. */
export interface UploadsOnDisk {
  uploadsDir(bucket: string): string;
  uploadDir(bucket: string, uploadId: string): string;
  /** The key an upload is for, or undefined once it is gone (aborted, completed, never made). */
  uploadKey(bucket: string, uploadId: string): Promise<string | undefined>;
  noSuchUpload(): Error;
  /** Settles once every part of the upload being received now has landed or failed. */
  partsArriving(uploadId: string): Promise<void>;
}

/**
 * Rejects once the request closes before its body was read to the end: the client is gone, and s3rver's
 * own promise for the body never settles. "close" fires once, so this listens before any await, and a
 * request already closed counts. `complete` is not the test: it says only that the parser had every byte,
 * and a body still buffered when its client was killed is destroyed unread (the abort that waited for
 * that part hung, in resume.e2e's S3 seed under load).
 */
function closedEarly(content: IncomingMessage): Promise<never> {
  const gone = new Promise<never>((_, reject) => {
    const check = () => {
      if (!content.readableEnded) reject(new Error("the client closed the connection mid-body"));
    };
    if (content.closed || content.destroyed) check();
    else content.once("close", check);
  });
  gone.catch(() => {});
  return gone;
}

/**
 * Waits until the part's file holds the `length` bytes s3rver received. It resolves its putPart when its
 * hashing stream has seen the body, not when the file stream has written it: under load a checksum
 * read from the file, or a completion right after the last part, found the file short (a BadDigest
 * in resume.test.ts's CI run), which S3 never does.
 */
async function writtenThrough(file: string, length: number): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 5) {
    const size = await stat(file).then(
      (found) => found.size,
      () => -1,
    );
    if (size >= length) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function fixStore(
  store: FilesystemStore,
  S3Error: S3ErrorConstructor,
  options: StartS3rverOptions,
): UploadsOnDisk {
  const uploadsDir = (bucket: string) => store.getResourcePath(bucket, undefined, "uploads");
  const uploadDir = (bucket: string, uploadId: string) =>
    path.join(uploadsDir(bucket), path.basename(uploadId));
  /** Part uploads still being received, per upload: an abort waits for them so that none lands after it. */
  const receiving = new Map<string, Set<Promise<unknown>>>();

  async function uploadKey(bucket: string, uploadId: string): Promise<string | undefined> {
    return readFile(path.join(uploadDir(bucket, uploadId), "key"), "utf8").catch(() => undefined);
  }
  const noSuchUpload = () =>
    new S3Error(
      "NoSuchUpload",
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    );

  const putPart = store.putPart.bind(store);
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const gone = closedEarly(content);
    if ((await uploadKey(bucket, uploadId)) === undefined) {
      content.resume();
      throw noSuchUpload();
    }
    const received = Promise.race([putPart(bucket, uploadId, partNumber, content), gone]).then(
      async (result) => {
        const file = path.join(uploadDir(bucket, uploadId), path.basename(partNumber));
        await writtenThrough(file, (result as { size: number }).size);
        await checkPartChecksum(file, content.headers["x-amz-checksum-sha256"]);
        return result;
      },
    );
    const settled = received.catch(() => {});
    const set = receiving.get(uploadId) ?? new Set();
    receiving.set(uploadId, set.add(settled));
    try {
      return await received;
    } finally {
      set.delete(settled);
    }
  };

  // S3 stores a PUT whole or not at all; s3rver writes into the object's file as the bytes come, so a
  // client killed mid-body left the key's earlier object truncated (resume.e2e read an empty checkpoint
  // that S3 would have kept whole). The body is read to its end first, and s3rver is handed the bytes.
  const putObject = store.putObject.bind(store);
  store.putObject = async (object) => {
    const content = object.content;
    // s3rver's own callers (a completed multipart upload) hand it streams of files it holds.
    if (!(content instanceof IncomingMessage)) return putObject(object);
    const chunks: Buffer[] = [];
    content.on("data", (chunk: Buffer) => chunks.push(chunk));
    await Promise.race([once(content, "end"), closedEarly(content)]);
    object.content = Buffer.concat(chunks);
    return putObject(object);
  };

  /**
   * S3 refuses a part whose body does not match the SHA-256 sent with it; s3rver ignores the header.
   * Read once the file is written through (`writtenThrough`).
   */
  async function checkPartChecksum(file: string, sent: unknown) {
    if (typeof sent !== "string") return;
    const actual = createHash("sha256")
      .update(await readFile(file))
      .digest("base64");
    if (actual === sent) return;
    // Refused, so not stored: ListParts must not show it.
    await rm(file, { force: true });
    await rm(`${file}.md5`, { force: true });
    throw new S3Error("BadDigest", "The SHA256 you specified did not match the calculated checksum.");
  }

  const putObjectMultipart = store.putObjectMultipart.bind(store);
  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const dir = uploadDir(bucket, uploadId);
    if ((await uploadKey(bucket, uploadId)) === undefined) throw noSuchUpload();
    const digests: Buffer[] = [];
    for (const [index, part] of parts.entries()) {
      if (index > 0 && part.number <= (parts[index - 1]?.number ?? 0)) {
        throw new S3Error("InvalidPartOrder", "The list of parts was not in ascending order.");
      }
      const file = path.join(dir, String(part.number));
      const [md5, size] = await Promise.all([
        readFile(`${file}.md5`, "utf8").catch(() => undefined),
        stat(file).then(
          (info) => info.size,
          () => undefined,
        ),
      ]);
      if (md5 === undefined || size === undefined || md5 !== part.etag) {
        throw new S3Error("InvalidPart", "One or more of the specified parts could not be found.", {
          PartNumber: part.number,
        });
      }
      if (index < parts.length - 1 && size < 5 * MiB) {
        throw new S3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", {
          PartNumber: part.number,
          ProposedSize: size,
          MinSizeAllowed: 5 * MiB,
        });
      }
      digests.push(Buffer.from(md5, "hex"));
    }
    const key = (await uploadKey(bucket, uploadId)) ?? "";
    if ((await options.beforeComplete?.(key)) === "fail") {
      throw new S3Error("InternalError", "We encountered an internal error. Please try again.");
    }
    const result = await putObjectMultipart(bucket, uploadId, parts);
    const etag = `${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${parts.length}`;
    await writeFile(store.getResourcePath(bucket, key, "object.md5"), etag);
    return { ...result, md5: etag };
  };

  return {
    uploadsDir,
    uploadDir,
    uploadKey,
    noSuchUpload,
    async partsArriving(uploadId) {
      await Promise.all(receiving.get(uploadId) ?? []);
      receiving.delete(uploadId);
    },
  };
}
