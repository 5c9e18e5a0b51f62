/**
 * Storage faults. S3, through the real SDK against s3rver with a fault proxy in between: UploadPart,
 * CompleteMultipartUpload and PutObject failing for good (500, which the SDK retries first, and 400),
 * a Complete whose answer is lost after S3 did the work, and lib-storage's streamed upload (a server that
 * ignores Range) losing a part. Every failure must abort the upload (ListMultipartUploads empty), leave
 * no object at the key (or, for the lost answer, the complete one S3 made), and name the backend and key.
 *
 * The folder store: paths that cannot be created (the store root is a file (ENOTDIR), the `.zrec-tmp`
 * folder is a file, the key's folder is a file); a full and a read-only disk are in disk-faults.test.ts
 * (they need a tmpfs). The error names the folder and the key, nothing is half-written at the key, no
 * temporary file is left.
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { Figures } from "@zrec/test-utils/faults/figures";
import { type ProxyRule, startS3FaultProxy } from "@zrec/test-utils/faults/s3-fault-proxy";
import { type RunningS3rver, S3RVER_CREDENTIALS, S3RVER_REGION, startS3rver } from "@zrec/test-utils/s3rver";
import { faultMeeting } from "@zrec/test-utils/zoom-sim";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFsStore, FS_TEMP_DIR } from "../../src/adapters/fs-store.js";
import { createS3Store } from "../../src/adapters/s3-store.js";
import { BackendError, IngestFailed, TransferError } from "../../src/errors.js";
import { runIngest } from "../../src/pipeline/run-ingest.js";
import type { ObjectStore } from "../../src/ports.js";
import { copyInto, KEY, PART } from "./copy-into.js";
import { attempt, checkRun, MiB, openWorld } from "./ingest-world.js";

const BUCKET = "faults";
const PREFIX = "archive";
const figures = new Figures("storage-faults");
const cleanups: (() => Promise<unknown>)[] = [];
let s3: RunningS3rver;

beforeAll(async () => {
  s3 = await startS3rver({ buckets: [BUCKET] });
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await s3?.close();
  await figures.write();
});

/** An S3 store whose every request goes through a fault proxy with `rules`. */
async function s3StoreBehind(rules: ProxyRule[]) {
  const proxy = await startS3FaultProxy(s3.endpoint, rules);
  const client = new S3Client({
    endpoint: proxy.endpoint,
    region: S3RVER_REGION,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // No retryStrategy: the SDK's own retries stay on (3 tries), so a 500 is tried again before zrec sees it.
  });
  const store = createS3Store({ client, bucket: BUCKET, prefix: PREFIX, publicUrlBase: s3.endpoint });
  cleanups.push(
    () => proxy.close(),
    async () => client.destroy(),
  );
  return { proxy, store };
}

/** What a store of this suite may hold at KEY after a failure: nothing, or (lost answer) the whole file. */
async function objectAtKey(store: ObjectStore) {
  return store.get(KEY);
}

describe("S3 behind a failing proxy: the upload is aborted and the error names bucket and key", () => {
  const failing: [string, ProxyRule[], { ignoreRange?: boolean; size?: number }][] = [
    ["UploadPart of part 2 answers 500 every time", [{ call: "UploadPart", partNumber: 2 }], {}],
    ["UploadPart of part 3 answers 400", [{ call: "UploadPart", partNumber: 3, mode: 400 }], {}],
    ["CompleteMultipartUpload answers 500 every time", [{ call: "CompleteMultipartUpload" }], {}],
    ["CompleteMultipartUpload answers 400", [{ call: "CompleteMultipartUpload", mode: 400 }], {}],
    ["PutObject of a one-part file answers 500 every time", [{ call: "PutObject" }], { size: 3 * MiB }],
    [
      "a streamed upload (Range ignored) loses part 2 for good",
      [{ call: "UploadPart", partNumber: 2 }],
      { ignoreRange: true, size: 12 * MiB + 3 },
    ],
    [
      "a streamed upload's Complete answers 500 every time",
      [{ call: "CompleteMultipartUpload" }],
      { ignoreRange: true, size: 12 * MiB + 3 },
    ],
  ];

  it.each(failing)("%s", async (_name, rules, { ignoreRange, size = 12 * MiB + 5 }) => {
    const { proxy, store } = await s3StoreBehind(rules);
    const { outcome } = await copyInto(store, size, cleanups, ignoreRange ? { ignoreRange } : {});
    figures.add("s3Cases");
    figures.add("s3CallsFailed", proxy.failed);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBeInstanceOf(TransferError);
    const message = (outcome.error as Error).message;
    expect(message).toContain(`s3://${BUCKET}/${PREFIX}/`);
    expect(message).toContain(KEY);
    expect((outcome.error as TransferError).code).toBe("STORE_FAILED");
    expect(await s3.pendingUploads(BUCKET)).toEqual([]);
    expect(await objectAtKey(store)).toBeUndefined();
    expect(proxy.failed).toBeGreaterThan(0);
    figures.add("abortedCleanly");
  });

  it("survives one 500 on an UploadPart (the SDK retries it) and stores the file whole", async () => {
    const { proxy, store } = await s3StoreBehind([{ call: "UploadPart", partNumber: 1, times: 1 }]);
    const { server, outcome } = await copyInto(store, 12 * MiB + 5, cleanups);
    expect(outcome.ok ? "stored" : (outcome.error as Error).message).toBe("stored");
    expect(proxy.failed).toBe(1);
    expect(Buffer.from((await objectAtKey(store)) ?? "").equals(server.content)).toBe(true);
    expect(await s3.pendingUploads(BUCKET)).toEqual([]);
    figures.add("s3Cases");
    figures.add("survived");
  });

  it("a Complete whose answer is lost leaves either nothing or the whole file, never parts", async () => {
    const { proxy, store } = await s3StoreBehind([{ call: "CompleteMultipartUpload", mode: "lost" }]);
    const { server, outcome } = await copyInto(store, 12 * MiB + 5, cleanups);
    expect(proxy.failed).toBeGreaterThan(0);
    expect(await s3.pendingUploads(BUCKET)).toEqual([]);
    const left = await objectAtKey(store);
    // S3 completed the object before the answer was lost: it is the whole file, made atomically.
    if (left !== undefined) expect(Buffer.from(left).equals(server.content)).toBe(true);
    if (!outcome.ok) expect((outcome.error as Error).message).toContain(KEY);
    figures.add("s3Cases");
    figures.add(outcome.ok ? "survived" : "abortedCleanly");
    figures.note(
      `lost Complete answer: ${outcome.ok ? "stored" : "failed"}, object left: ${left !== undefined}`,
    );
  });

  it("through runIngest: a part S3 refuses fails the ingest cleanly, nothing written, nothing trashed", async () => {
    const { store } = await s3StoreBehind([{ call: "UploadPart", partNumber: 2, mode: 400 }]);
    const world = await openWorld({ store });
    cleanups.push(() => world.close());
    const meeting = world.sim.addMeeting({
      topic: "Storage fault",
      startTime: "2025-03-04T15:00:00Z",
      durationMinutes: 30,
      files: [
        { fileType: "MP4", size: 12 * MiB + 1 },
        { fileType: "M4A", size: MiB },
      ],
    });
    const outcome = await attempt(() => runIngest(world.sim.recordingEvent(meeting.uuid), world.deps));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBeInstanceOf(IngestFailed);
    expect((outcome.error as Error).message).toContain(`s3://${BUCKET}/${PREFIX}/`);
    expect((outcome.error as Error).message).toContain(
      `${meeting.recordingId}/shared_screen_with_speaker_view.mp4`,
    );
    expect(await checkRun(world, meeting, outcome)).toEqual([]);
    expect(await s3.pendingUploads(BUCKET)).toEqual([]);
    figures.add("ingestCases");
  });
});

describe("a folder store that cannot be written: the error names folder and key, nothing is left", () => {
  async function sandbox() {
    const dir = await mkdtemp(path.join(tmpdir(), "zrec-fs-faults-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  const layouts: [string, (dir: string) => Promise<string>][] = [
    [
      "the store root is a file",
      async (dir) => {
        await writeFile(path.join(dir, "root"), "not a folder");
        return path.join(dir, "root");
      },
    ],
    [
      "the temporary folder is a file",
      async (dir) => {
        const root = path.join(dir, "root");
        await import("node:fs/promises").then((fs) => fs.mkdir(root));
        await writeFile(path.join(root, FS_TEMP_DIR), "blocked");
        return root;
      },
    ],
    [
      "the key's folder is a file",
      async (dir) => {
        const root = path.join(dir, "root");
        await import("node:fs/promises").then((fs) => fs.mkdir(root));
        await writeFile(path.join(root, KEY.split("/")[0] as string), "blocked");
        return root;
      },
    ],
  ];

  for (const [name, make] of layouts) {
    for (const size of [3 * MiB, 12 * MiB + 5]) {
      it(`${name}: a ${size > PART ? "multipart" : "single-put"} copy fails cleanly`, async () => {
        const dir = await sandbox();
        const root = await make(dir);
        const before = await listTree(dir);
        const store = createFsStore({ root });
        const { outcome } = await copyInto(store, size, cleanups);
        figures.add("fsCases");
        expect(outcome.ok).toBe(false);
        if (outcome.ok) return;
        const error = outcome.error as TransferError;
        expect(error).toBeInstanceOf(TransferError);
        expect(error.code).toBe("STORE_FAILED");
        expect(error.message).toContain(`folder ${root}`);
        expect(error.message).toContain(KEY);
        expect(error.message.split("\n")).toHaveLength(1);
        // Nothing at the key, no temporary file: the tree is as it was.
        expect(await listTree(dir)).toEqual(before);
        expect(await store.head(KEY).catch(() => undefined)).toBeUndefined();
        figures.add("abortedCleanly");
      });
    }
  }

  it("through runIngest with the store root a file: the error names the folder, nothing trashed", async () => {
    const dir = await sandbox();
    await writeFile(path.join(dir, "root"), "not a folder");
    const root = path.join(dir, "root");
    const world = await openWorld({ store: createFsStore({ root }) });
    cleanups.push(() => world.close());
    const meeting = world.sim.addMeeting(faultMeeting("Disk trouble", [{ fileType: "M4A", size: MiB }]));
    const outcome = await attempt(() => runIngest(world.sim.recordingEvent(meeting.uuid), world.deps));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBeInstanceOf(BackendError);
    expect((outcome.error as Error).message).toContain(`folder ${root}`);
    expect((outcome.error as Error).message).toContain(`${meeting.recordingId}/recording.json`);
    expect(world.sim.trashCalls).toEqual([]);
    expect(await world.outbox()).toEqual([]);
    expect(world.sim.requests.filter((r) => r.server === "cdn")).toEqual([]);
    figures.add("ingestCases");
  });
});

/** Every path under `dir`, except the store's temporary folder when it is empty (a made folder, no file). */
async function listTree(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { recursive: true })).map(String);
  const temp = entries.filter((e) => path.basename(e) === FS_TEMP_DIR);
  const emptyTemp = new Set(temp.filter((t) => !entries.some((e) => e.startsWith(`${t}/`))));
  return entries.filter((e) => !emptyTemp.has(e)).sort();
}
