import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createSqliteJobQueue } from "../adapters/sqlite-job-queue.js";
import { TransferError, ZoomApiError } from "../errors.js";
import type { LogEntry } from "../log.js";
import type { ClaimedJob, JobQueue } from "./types.js";
import { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from "./worker-pool.js";

const T0 = Date.parse("2025-03-01T12:00:00Z");

interface Setup {
  queue: JobQueue;
  pool: WorkerPool;
  logs: LogEntry[];
  clock: { now: number };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(run: WorkerPoolOptions["run"], overrides: Partial<WorkerPoolOptions> = {}): Setup {
  const queue = createSqliteJobQueue({ path: ":memory:" });
  const logs: LogEntry[] = [];
  const clock = { now: T0 };
  const pool = createWorkerPool({
    queue,
    run,
    concurrency: 2,
    maxAttempts: 3,
    log: (entry) => logs.push(entry),
    pollMs: 5,
    now: () => clock.now,
    ...overrides,
  });
  cleanups.push(
    () => queue.close(),
    () => pool.stop(0),
  );
  return { queue, pool, logs, clock };
}

function add(queue: JobQueue, n: number, now = T0): string {
  const id = `job-${n}`;
  queue.enqueue(
    {
      id,
      recording_id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
      event: "recording.completed",
      payload: `{"n":${n}}`,
    },
    now,
  );
  return id;
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await sleep(5);
  }
}

describe("the worker pool", () => {
  it("runs every queued job, never more at once than its concurrency", async () => {
    let active = 0;
    let most = 0;
    const { queue, pool, logs } = setup(async () => {
      most = Math.max(most, ++active);
      await sleep(20);
      active--;
      return { files: 1 };
    });
    for (const n of [1, 2, 3, 4, 5]) add(queue, n);
    pool.start();
    await until(() => queue.counts().done === 5);
    expect(most).toBe(2);
    const finished = logs.filter((l) => l.msg === "job.finished");
    expect(finished).toHaveLength(5);
    expect(finished[0]).toMatchObject({ files: 1, recording_id: expect.any(String) });
  });

  it("retries a transient failure after a backoff, then succeeds", async () => {
    let tries = 0;
    const { queue, pool, logs, clock } = setup(async () => {
      if (++tries === 1) {
        const hangUp = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        throw new TransferError("Copying a.mp4 failed: socket hang up", { cause: hangUp });
      }
      return undefined;
    });
    const id = add(queue, 1);
    pool.start();
    await until(() => logs.some((l) => l.msg === "job.retry"));
    const waiting = queue.get(id);
    const due = Date.parse(waiting?.next_attempt_at ?? "");
    // The first retry waits between half and all of the 60 s base (jitter).
    expect(due - T0).toBeGreaterThanOrEqual(30_000);
    expect(due - T0).toBeLessThanOrEqual(60_000);
    expect(waiting).toMatchObject({
      state: "queued",
      attempts: 1,
      last_error: "Copying a.mp4 failed: socket hang up",
    });
    await sleep(30);
    expect(tries).toBe(1);
    clock.now = due;
    await until(() => queue.get(id)?.state === "done");
    expect(queue.get(id)).toMatchObject({ attempts: 2, last_error: null });
  });

  it("doubles the backoff and fails the job when its tries are used up", async () => {
    const { queue, pool, logs, clock } = setup(async () => {
      throw new ZoomApiError("GET /past_meetings/x failed: 503 busy.", { status: 503 });
    });
    const id = add(queue, 1);
    pool.start();
    const waits: number[] = [];
    for (let attempt = 1; attempt < 3; attempt++) {
      await until(() => logs.filter((l) => l.msg === "job.retry").length === attempt);
      const due = Date.parse(queue.get(id)?.next_attempt_at ?? "");
      waits.push(due - clock.now);
      clock.now = due;
    }
    await until(() => queue.get(id)?.state === "failed");
    expect(waits[1]).toBeGreaterThanOrEqual(60_000);
    expect(waits[1]).toBeLessThanOrEqual(120_000);
    expect(queue.get(id)).toMatchObject({
      attempts: 3,
      error_code: "ZOOM_API",
      last_error: expect.stringMatching(/503/),
    });
    expect(logs.at(-1)).toMatchObject({ level: "error", msg: "job.failed", kind: "transient", attempts: 3 });
  });

  it("fails a job at once for a permanent failure, keeping the error", async () => {
    const { queue, pool, logs } = setup(async () => {
      throw new ZoomApiError("GET /past_meetings/x failed: 403 No permission.", { status: 403 });
    });
    const id = add(queue, 1);
    pool.start();
    await until(() => queue.get(id)?.state === "failed");
    expect(queue.get(id)).toMatchObject({
      attempts: 1,
      last_error: "GET /past_meetings/x failed: 403 No permission.",
    });
    expect(logs.find((l) => l.msg === "job.failed")).toMatchObject({ kind: "permanent" });
  });

  it("re-queues at start-up what a killed server on this host left running, and runs it", async () => {
    const ran: string[] = [];
    const { queue, pool, logs } = setup(async (job: ClaimedJob) => {
      ran.push(job.id);
      return undefined;
    });
    const id = add(queue, 1);
    // No process has pid 2^22 + 1 (Linux's maximum is 2^22): the worker that claimed it is gone.
    expect(queue.claim(`${hostname()}/4194305/dead`, T0)?.id).toBe(id);
    pool.start();
    await until(() => queue.get(id)?.state === "done");
    expect(ran).toEqual([id]);
    expect(queue.get(id)?.attempts).toBe(2);
    expect(logs[0]).toMatchObject({ msg: "job.recovered", job: id });
  });

  it("leaves a job that another live server runs alone", async () => {
    const { queue, pool } = setup(async () => undefined);
    const id = add(queue, 1);
    queue.claim(`${hostname()}/${process.ppid}/other`, T0);
    pool.start();
    await sleep(30);
    expect(queue.get(id)?.state).toBe("running");
  });

  it("on stop, lets a short job finish and puts a long one back once the grace period is over", async () => {
    const { queue, pool, logs } = setup(async (job, signal) => {
      if (job.id === "job-1") return void (await sleep(30));
      await sleep(10_000, undefined, { signal });
      return undefined;
    });
    add(queue, 1);
    add(queue, 2);
    add(queue, 3);
    pool.start();
    await until(() => pool.active() === 2);
    const started = Date.now();
    expect(await pool.stop(100)).toEqual({ released: 1 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(queue.get("job-1")?.state).toBe("done");
    expect(queue.get("job-2")).toMatchObject({ state: "queued", attempts: 0 });
    expect(queue.get("job-3")).toMatchObject({ state: "queued", attempts: 0 });
    expect(logs.filter((l) => l.msg === "job.released")).toHaveLength(1);
  });
});
