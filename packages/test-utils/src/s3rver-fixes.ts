/**
 * The requests s3rver answers unlike S3, answered here in front of its router the way S3 documents
 * them (the list is in s3rver.ts, which installs these), and the parts of s3rver they touch. Where its
 * folder store stores unlike S3 is s3rver-store-fixes.ts.
 */
import { readdir, readFile, rm, stat } from "node:fs/promises";
import type { IncomingMessage, Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { StartS3rverOptions } from "./s3rver.js";
import { type FilesystemStore, fixStore, type S3ErrorConstructor } from "./s3rver-store-fixes.js";

const require = createRequire(import.meta.url);

// The parts of s3rver (a CommonJS Koa app without types) this file touches.
export interface S3rverConstructor {
  new (options: Record<string, unknown>): S3rverApp;
}
interface S3rverApp {
  middleware: Middleware[];
  store: FilesystemStore;
  httpServer?: Server;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type Middleware = (ctx: KoaContext, next: () => Promise<unknown>) => unknown;
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  req: IncomingMessage;
  status: number;
  body: unknown;
}
/** How s3rver's folder store names an object's file, and where it keeps multipart uploads. */
const OBJECT_SUFFIX = "._S3rver_object";
const UPLOADS_FOLDER = "._S3rver_uploads";

export function installFixes(server: S3rverApp, options: StartS3rverOptions): void {
  const S3Error = require("s3rver/lib/models/error") as S3ErrorConstructor;
  const { decodeKeyPath } = require("s3rver/lib/stores/filesystem") as { decodeKeyPath(p: string): string };
  const store = server.store;
  const { uploadsDir, uploadDir, uploadKey, noSuchUpload, partsArriving } = fixStore(store, S3Error, options);

  async function abortUpload(ctx: KoaContext, bucket: string, key: string, uploadId: string): Promise<void> {
    if ((await uploadKey(bucket, uploadId)) !== key) throw noSuchUpload();
    await partsArriving(uploadId);
    await rm(uploadDir(bucket, uploadId), { recursive: true, force: true, maxRetries: 3 });
    ctx.status = 204;
    ctx.body = "";
  }

  async function listUploads(ctx: KoaContext, bucket: string): Promise<void> {
    const prefix = single(ctx.query.prefix) ?? "";
    const ids = await readdir(uploadsDir(bucket)).catch(() => []);
    const uploads: { Key: string; UploadId: string; Initiated: string }[] = [];
    for (const id of ids) {
      const key = await uploadKey(bucket, id);
      if (key === undefined || !key.startsWith(prefix)) continue;
      const started = await stat(uploadDir(bucket, id));
      uploads.push({ Key: key, UploadId: id, Initiated: started.birthtime.toISOString() });
    }
    uploads.sort((a, b) => byteOrder(a.Key, b.Key) || byteOrder(a.UploadId, b.UploadId));
    ctx.body = {
      ListMultipartUploadsResult: {
        Bucket: bucket,
        KeyMarker: "",
        UploadIdMarker: "",
        Prefix: prefix,
        MaxUploads: 1000,
        IsTruncated: false,
        Upload: uploads.map((upload) => ({ ...upload, StorageClass: "STANDARD" })),
      },
    };
  }

  /** ListParts: the parts received so far, with the ETag and size UploadPart answered (one page). */
  async function listParts(ctx: KoaContext, bucket: string, key: string, uploadId: string): Promise<void> {
    if ((await uploadKey(bucket, uploadId)) !== key) throw noSuchUpload();
    const dir = uploadDir(bucket, uploadId);
    const names = (await readdir(dir)).filter((name) => /^\d+$/.test(name));
    const listed = await Promise.all(
      names.map(async (name) => {
        // A part still being received (or cut off mid-body) has no .md5 yet: S3 does not list it.
        const [md5, info] = await Promise.all([
          readFile(path.join(dir, `${name}.md5`), "utf8").catch(() => undefined),
          stat(path.join(dir, name)).catch(() => undefined),
        ]);
        if (md5 === undefined || info === undefined) return undefined;
        return {
          PartNumber: Number(name),
          ETag: `"${md5}"`,
          Size: info.size,
          LastModified: info.mtime.toISOString(),
        };
      }),
    );
    const parts = listed.filter((part) => part !== undefined).sort((a, b) => a.PartNumber - b.PartNumber);
    ctx.body = {
      ListPartsResult: {
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MaxParts: 1000,
        IsTruncated: false,
        StorageClass: "STANDARD",
        Part: parts,
      },
    };
  }

  /**
   * Every object key in the bucket (`{key}._S3rver_object` files), its folders read in parallel. Node
   * 20's `readdir(…, { recursive: true })` took 7x as long on 10,000 folders.
   */
  async function keysIn(bucket: string): Promise<string[]> {
    const walk = async (folder: string, keyPrefix: string): Promise<string[]> => {
      const entries = await readdir(folder, { withFileTypes: true });
      const nested = await Promise.all(
        entries.map((entry) => {
          if (entry.isDirectory()) {
            return entry.name === UPLOADS_FOLDER && keyPrefix === ""
              ? []
              : walk(path.join(folder, entry.name), `${keyPrefix}${entry.name}/`);
          }
          return entry.name.endsWith(OBJECT_SUFFIX)
            ? [decodeKeyPath(`${keyPrefix}${entry.name.slice(0, -OBJECT_SUFFIX.length)}`)]
            : [];
        }),
      );
      return nested.flat();
    };
    return walk(store.getBucketPath(bucket), "");
  }

  /** What a listing shows of an object; null when it was deleted since the walk found it. */
  async function objectInfo(bucket: string, key: string) {
    const metadata = await store.getMetadata(bucket, key).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return null;
      throw error;
    });
    if (metadata === null) return null;
    return {
      key,
      size: Number(metadata["content-length"]),
      lastModified: new Date(String(metadata["last-modified"])),
      etag: metadata.etag,
    };
  }

  async function listObjectsV2(ctx: KoaContext, bucket: string): Promise<void> {
    const prefix = single(ctx.query.prefix) ?? "";
    const delimiter = single(ctx.query.delimiter) || undefined;
    const maxKeysText = single(ctx.query["max-keys"]) ?? "1000";
    if (!/^\d+$/.test(maxKeysText)) {
      throw new S3Error("InvalidArgument", "Provided max-keys not an integer or within integer range", {
        ArgumentName: "max-keys",
        ArgumentValue: maxKeysText,
      });
    }
    const maxKeys = Math.min(1000, Number(maxKeysText));
    const token = single(ctx.query["continuation-token"]);
    const after =
      token !== undefined
        ? Buffer.from(token, "base64url").toString("utf8")
        : (single(ctx.query["start-after"]) ?? "");
    // Keys first (one walk of the folder), metadata only for the page: s3rver's own listObjects reads
    // every object's metadata, which made listing n keys in pages of 1,000 cost n²/1,000 reads.
    const names = new Map<string, boolean>();
    for (const key of await keysIn(bucket)) {
      if (!key.startsWith(prefix)) continue;
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (cut < 0) names.set(key, true);
      else names.set(key.slice(0, cut + (delimiter?.length ?? 0)), false);
    }
    const entries = [...names]
      .map(([name, isObject]) => ({ name, isObject }))
      .filter((entry) => byteOrder(entry.name, after) > 0)
      .sort((a, b) => byteOrder(a.name, b.name));
    const page = (
      await Promise.all(
        entries.slice(0, maxKeys).map(async ({ name, isObject }) => ({
          name,
          object: isObject ? await objectInfo(bucket, name) : undefined,
        })),
      )
    ).filter((entry) => entry.object !== null);
    const truncated = entries.length > maxKeys;
    const last = page[page.length - 1];
    ctx.body = {
      ListBucketResult: {
        "@": { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/" },
        Name: bucket,
        Prefix: prefix,
        ...(token !== undefined ? { ContinuationToken: token } : {}),
        ...(truncated && last ? { NextContinuationToken: Buffer.from(last.name).toString("base64url") } : {}),
        KeyCount: page.length,
        MaxKeys: maxKeys,
        ...(delimiter ? { Delimiter: delimiter } : {}),
        IsTruncated: truncated,
        Contents: page.flatMap(({ object }) =>
          object
            ? [
                {
                  Key: object.key,
                  LastModified: object.lastModified.toISOString(),
                  ETag: object.etag,
                  Size: object.size,
                  StorageClass: "STANDARD",
                },
              ]
            : [],
        ),
        CommonPrefixes: page.flatMap(({ name, object }) => (object ? [] : [{ Prefix: name }])),
      },
    };
  }

  const fixes: Middleware = async (ctx, next) => {
    const [, bucketSegment = "", ...keySegments] = ctx.path.split("/");
    const bucket = decodeURIComponent(bucketSegment);
    const key = keySegments.map(decodeURIComponent).join("/");
    const uploadId = single(ctx.query.uploadId);
    const handle =
      bucket !== "" && key === "" && ctx.method === "GET" && "uploads" in ctx.query
        ? () => listUploads(ctx, bucket)
        : bucket !== "" && key === "" && ctx.method === "GET" && single(ctx.query["list-type"]) === "2"
          ? () => listObjectsV2(ctx, bucket)
          : bucket !== "" && key !== "" && ctx.method === "DELETE" && uploadId !== undefined
            ? () => abortUpload(ctx, bucket, key, uploadId)
            : bucket !== "" && key !== "" && ctx.method === "GET" && uploadId !== undefined
              ? () => listParts(ctx, bucket, key, uploadId)
              : undefined;
    if (handle === undefined) return next();
    if (!(await store.getBucket(bucket))) {
      throw new S3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: bucket });
    }
    await handle();
  };
  // Koa composes `middleware` when the server starts: in front of the router, behind the XML encoder.
  const router = server.middleware.findIndex((fn) => fn.name === "dispatch");
  if (router < 0) throw new Error("s3rver's router was not found; is this still s3rver 3.7?");
  server.middleware.splice(router, 0, fixes);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** S3 orders keys by their UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
