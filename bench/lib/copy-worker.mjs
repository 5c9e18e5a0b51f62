/**
 * One measurement in one process, so that its peak RSS (`process.resourceUsage().maxRSS`) is its own:
 * forked by copy.mjs with a JSON spec as its only argument; sends one result message and exits.
 *
 * Methods, all reading through core's download source (undici, redirects, host allowlist) and writing
 * through core's stores:
 * - `stream` (baseline A): one plain GET piped into `store.putStream` (lib-storage's Upload on S3);
 * - `tempfile` (baseline B): one plain GET into a temporary file, then that file into `store.putStream`;
 * - `ranged`: zrec's `rangedCopy` at the spec's part size and concurrency;
 * - `store-only`: no download: the same multipart upload fed from one buffer in memory, at the spec's
 *   part size and concurrency (what the destination takes by itself: the ceiling of any copy into it);
 * - `idle`: loads the same modules and copies nothing (the floor under every peak RSS).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { rangedCopy } from "@zrec/core/transfer/ranged-copy";
import { createDownloadSource } from "@zrec/core/zoom/download";
import { eachConcurrently } from "./pool.mjs";

const spec = JSON.parse(process.argv[2]);

async function openStore(destination) {
  if (destination.type === "fs") {
    const { createFsStore } = await import("@zrec/core/adapters/fs-store");
    return createFsStore({ root: destination.root });
  }
  const { createS3Store } = await import("@zrec/core/adapters/s3-store");
  return createS3Store({
    bucket: destination.bucket,
    endpoint: destination.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
  });
}

const copiers = {
  async stream({ source, store, key }) {
    const response = await source.fetch(undefined);
    return store.putStream(key, response.body, { contentType: "video/mp4" });
  },
  async tempfile({ source, store, key }) {
    const temp = path.join(spec.tempDir, `${process.pid}.download`);
    try {
      const response = await source.fetch(undefined);
      await pipeline(response.body, createWriteStream(temp));
      return await store.putStream(key, createReadStream(temp), { contentType: "video/mp4" });
    } finally {
      await rm(temp, { force: true });
    }
  },
  async "store-only"({ store, key }) {
    const bytes = Buffer.alloc(Math.min(spec.size, spec.partSize), 0x5a);
    const upload = await store.createMultipartUpload(key, {
      contentType: "video/mp4",
      partSize: spec.partSize,
      size: spec.size,
    });
    const count = Math.ceil(spec.size / spec.partSize);
    const uploadPart = (n) => {
      const offset = n * spec.partSize;
      const body = bytes.subarray(0, Math.min(spec.partSize, spec.size - offset));
      return upload.uploadPart({ partNumber: n + 1, offset, body });
    };
    try {
      await eachConcurrently(count, spec.partConcurrency, uploadPart);
      return await upload.complete();
    } catch (error) {
      await upload.abort();
      throw error;
    }
  },
  async ranged({ source, store, key }) {
    return rangedCopy({
      source,
      store,
      key,
      contentType: "video/mp4",
      partSize: spec.partSize,
      partConcurrency: spec.partConcurrency,
      expectedSize: spec.size,
    });
  },
};

/**
 * The store, with the time its multipart completions take kept in `timing.completeMs`: s3rver writes
 * the whole object again on completion (S3 does not), the folder store syncs and renames it.
 */
function timed(store, timing) {
  return {
    ...store,
    async createMultipartUpload(key, options) {
      const upload = await store.createMultipartUpload(key, options);
      return {
        ...upload,
        async complete() {
          const started = performance.now();
          try {
            return await upload.complete();
          } finally {
            timing.completeMs = (timing.completeMs ?? 0) + performance.now() - started;
          }
        },
      };
    },
  };
}

async function main() {
  const timing = {};
  const store = timed(await openStore(spec.destination), timing);
  const source = createDownloadSource({
    url: spec.url,
    token: { current: async () => spec.token },
    allowedHosts: ["127.0.0.1"],
  });
  const key = `bench/${process.pid}.mp4`;
  if (spec.method === "idle")
    return { ms: 0, bytes: 0, maxRssKiB: process.resourceUsage().maxRSS, problems: [] };
  const started = performance.now();
  const stored = await copiers[spec.method]({ source, store, key });
  const ms = performance.now() - started;
  const maxRssKiB = process.resourceUsage().maxRSS;
  const head = await store.head(key);
  await store.delete(key);
  await store.close?.();
  const problems = [];
  if (head?.size !== spec.size) problems.push(`stored ${head?.size ?? "nothing"} of ${spec.size} bytes`);
  if (stored.sha256 !== undefined && spec.sha256 && stored.sha256 !== spec.sha256)
    problems.push("sha256 differs from zoom-sim's");
  const { user, system } = process.cpuUsage();
  const cpuSeconds = (user + system) / 1e6;
  return {
    ms,
    bytes: head?.size ?? 0,
    maxRssKiB,
    cpuSeconds,
    parts: stored.parts,
    completeMs: timing.completeMs,
    problems,
  };
}

main().then(
  (result) => process.send({ ok: true, result }, () => process.exit(0)),
  (error) => process.send({ ok: false, error: error?.stack ?? String(error) }, () => process.exit(1)),
);
