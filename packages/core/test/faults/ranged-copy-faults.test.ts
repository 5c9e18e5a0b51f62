/**
 * The ranged copy alone, in process, under seeded random faults with small parts (64 KiB), so one run
 * exercises dozens of parts, buffer reuse and retries in milliseconds. Each request the server sees may
 * fail (5xx, 429 with Retry-After 0, a cut body, a stall only the idle timeout ends, a wrong total, the
 * whole file instead of the range, a slow start); some seeds make one part fail for good.
 *
 * The store reads each part's bytes only after a random delay, as an SDK streaming a request body
 * does: a part buffer reused too early would show as a stored object that differs from the source.
 * Every copy must end with the stored bytes equal to the source's (and the hash right), or with a
 * TransferError, no object at the key, and every multipart upload completed or aborted.
 *
 * Normal suite: 20 seeds. `pnpm test:faults`: 5 x ZREC_FAULT_RUNS. Figures: ranged-copy-faults.json.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Figures } from "@zrec/test-utils/faults/figures";
import { type Rng, seeded, seedsFor } from "@zrec/test-utils/faults/seeded";
import { afterAll, describe, expect, it } from "vitest";
import { createFsStore, FS_TEMP_DIR } from "../../src/adapters/fs-store.js";
import { TransferError } from "../../src/errors.js";
import type { MultipartUpload, ObjectStore } from "../../src/ports.js";
import { rangedCopy } from "../../src/transfer/ranged-copy.js";
import {
  type Fault,
  httpSource,
  MemoryStore,
  type RequestRecord,
  startRangeServer,
} from "../../src/transfer/ranged-copy.test-support.js";

const KiB = 1024;
const PART = 64 * KiB;
const KEY = "0a7203ad-04ac-45d8-bd6d-6a778f226c65/shared_screen.mp4";
const figures = new Figures("ranged-copy-faults");
const seeds = seedsFor(
  Array.from({ length: 20 }, (_, i) => 1000 + i),
  5,
);

/** A MemoryStore whose uploadPart looks at the bytes only after a random wait, like a streaming SDK. */
class LazyStore extends MemoryStore {
  constructor(private readonly rng: Rng) {
    super();
  }
  override async createMultipartUpload(
    key: string,
    options: Parameters<ObjectStore["createMultipartUpload"]>[1],
  ): Promise<MultipartUpload> {
    const inner = await super.createMultipartUpload(key, options);
    return {
      ...inner,
      uploadPart: async (part) => {
        await sleep(this.rng.int(0, 4));
        await inner.uploadPart(part);
      },
    };
  }
}

function faultPlan(rng: Rng, size: number): (request: RequestRecord) => Fault | undefined {
  const parts = Math.max(1, Math.ceil(size / PART));
  // Now and then one part never comes: the copy must fail cleanly.
  const doomed = rng.chance(0.1) ? rng.int(1, parts) : undefined;
  const p = rng.pick([0.05, 0.15, 0.3]);
  return (request) => {
    if (doomed !== undefined && (request.part ?? 1) === doomed) return { status: 503 };
    if (!rng.chance(p)) return undefined;
    const kind = rng.int(0, 7);
    figures.addKind(
      "faultsInjected",
      ["5xx", "429", "drop", "stall", "wrong-total", "whole", "slow", "5xx"][kind] ?? "?",
    );
    switch (kind) {
      case 0:
        return { status: rng.pick([500, 502, 503, 504]) };
      case 1:
        return { status: 429, retryAfter: "0" };
      case 2:
        return { dropAfter: rng.int(0, PART - 1) };
      case 3:
        return { stallAfter: rng.int(0, PART - 1) };
      case 4:
        return { wrongTotal: size + rng.pick([-1, 1, PART]) };
      case 5:
        return { whole: true };
      case 6:
        return { delayMs: rng.int(1, 30) };
      default:
        return { status: 500 };
    }
  };
}

async function runSeed(seed: number): Promise<string[]> {
  const rng = seeded(seed);
  const size = rng.chance(0.1) ? rng.int(0, PART) : rng.int(PART, 40 * PART);
  const server = await startRangeServer({ size, partSize: PART, fault: faultPlan(rng, size) });
  const source = httpSource(server.url);
  const useFs = rng.chance(0.3);
  const dir = useFs ? await mkdtemp(path.join(tmpdir(), "zrec-copy-faults-")) : undefined;
  const memory = new LazyStore(rng);
  const store: ObjectStore = dir ? createFsStore({ root: dir }) : memory;
  const problems: string[] = [];
  try {
    figures.add("copies");
    figures.add(useFs ? "onFolderStore" : "onMemoryStore");
    let outcome: { ok: true; sha256: string } | { ok: false; error: unknown };
    try {
      const result = await rangedCopy({
        source,
        store,
        key: KEY,
        contentType: "video/mp4",
        partSize: PART,
        partConcurrency: rng.int(1, 6),
        ...(rng.chance(0.7) ? { expectedSize: size } : {}),
        retry: { baseDelayMs: 1, maxDelayMs: 10 },
        idleTimeoutMs: 100,
      });
      outcome = { ok: true, sha256: result.sha256 };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const stored = await store.get(KEY);
    if (outcome.ok) {
      figures.add(server.requests.length > Math.ceil(size / PART) ? "survivedFaults" : "noFaultNeeded");
      if (outcome.sha256 !== server.sha256) problems.push("the copy reported a wrong sha256");
      if (!stored || !Buffer.from(stored).equals(server.content))
        problems.push(`stored bytes differ from the source (${stored?.length} of ${size})`);
    } else {
      figures.add("cleanFailures");
      if (!(outcome.error instanceof TransferError))
        problems.push(`failed with ${(outcome.error as Error)?.name}, not TransferError`);
      else if (!outcome.error.message.includes(KEY)) problems.push("the error does not name the key");
      if (stored !== undefined) problems.push("a failed copy left an object at the key");
    }
    const open = memory.uploads.filter((u) => !u.completed && !u.aborted);
    if (open.length > 0) problems.push(`${open.length} multipart uploads neither completed nor aborted`);
    if (dir) {
      const temp = await readdir(path.join(dir, FS_TEMP_DIR)).catch(() => []);
      if (temp.length > 0) problems.push(`unfinished writes left: ${temp.length}`);
    }
    if (stored && createHash("sha256").update(stored).digest("hex") !== server.sha256)
      figures.add("filesCorrupted");
    if (problems.length > 0) figures.note(`seed ${seed}: ${problems.join("; ")}`);
    return problems;
  } finally {
    await source.close();
    await server.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

describe("rangedCopy: regressions the fault runs found", () => {
  /** A copy from `server` into a fresh store, told the file has `expectedSize` bytes; the source closes after it. */
  const copyFrom = (server: { url: string }, expectedSize: number) => {
    const source = httpSource(server.url);
    const store = new MemoryStore();
    const copied = rangedCopy({
      source,
      store,
      key: KEY,
      contentType: "video/mp4",
      partSize: PART,
      expectedSize,
      retry: { baseDelayMs: 1, maxDelayMs: 10 },
    }).finally(() => source.close());
    return { store, copied };
  };

  it("asks again when the first answer's total disagrees with Zoom's file_size, once", async () => {
    const size = 5 * PART + 7;
    // Only the very first request lies about the total; before the fix that failed the whole file.
    const server = await startRangeServer({
      size,
      partSize: PART,
      fault: (request) => (request.index === 0 ? { wrongTotal: size + 1 } : undefined),
    });
    try {
      const result = await copyFrom(server, size).copied;
      expect(result.sha256).toBe(server.sha256);
      expect(server.requestsForPart(1)).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it("still fails with SIZE_MISMATCH when every answer disagrees with file_size, after 3 answers", async () => {
    const size = 3 * PART;
    const server = await startRangeServer({ size, partSize: PART });
    try {
      const { store, copied } = copyFrom(server, size + 1);
      const error = await copied.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransferError);
      expect((error as TransferError).code).toBe("SIZE_MISMATCH");
      expect(server.requestsForPart(1)).toHaveLength(3);
      expect(await store.get(KEY)).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

describe("rangedCopy under seeded faults, small parts", () => {
  afterAll(async () => {
    figures.add("filesCorrupted", 0);
    await figures.write({ partSize: PART, seeds: { first: seeds[0], count: seeds.length } });
  });

  it.each(seeds)("seed %i: the source's bytes exactly, or a clean TransferError", async (seed) => {
    expect(await runSeed(seed), `replay: ZREC_FAULT_SEED=${seed}`).toEqual([]);
  });
});
