/**
 * The `JobQueue` contract of core/src/jobs/types.ts as tests: what the receiver, the worker pool and
 * `zrec jobs` rely on, whatever stores the queue (SQLite today). Times are passed in, never read from the
 * clock. Claims racing across processes and the file's sharing and permissions stay in the SQLite tests.
 */
import { InputError, type JobQueue, type NewJob, NotFoundError } from "@zrec/core";
import { describe, expect, it } from "vitest";
import { eachTest } from "./each-test.js";

/** One fresh, empty queue for one test. */
export interface JobQueueUnderTest {
  queue: JobQueue;
  /** Another handle on the same queue (a second connection, as a second server would open). */
  another(): JobQueue;
  /** Closes every handle and removes what the test wrote. */
  close(): Promise<void>;
}

const T0 = Date.parse("2025-03-01T12:00:00Z");

/** Job `n`: recording `n`'s recording.completed, with a payload holding a download token. */
export function newJob(n: number, overrides: Partial<NewJob> = {}): NewJob {
  return {
    id: `job-${n}`,
    recording_id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    event: "recording.completed",
    topic: `Meeting ${n}`,
    payload: JSON.stringify({ event: "recording.completed", n, download_token: "tok" }),
    ...overrides,
  };
}

/**
 * Runs the contract against queues made by `make`, one per test.
 * @example
 * describeJobQueue("SQLite", async () => {
 *   const file = path.join(await mkdtemp(path.join(tmpdir(), "zrec-")), "queue.db");
 *   const queue = createSqliteJobQueue({ path: file });
 *   return { queue, another: () => createSqliteJobQueue({ path: file }), close: async () => queue.close() };
 * });
 */
export function describeJobQueue(name: string, make: () => Promise<JobQueueUnderTest>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let queue: JobQueue;
    let another: () => JobQueue;
    eachTest(make, (made) => {
      ({ queue, another } = made);
    });

    it("queues a job once: the same id, or the same recording and event while unfinished, is a duplicate", () => {
      const first = queue.enqueue(newJob(1), T0);
      expect(first.created).toBe(true);
      expect(first.job).toMatchObject({ id: "job-1", state: "queued", attempts: 0, topic: "Meeting 1" });
      expect(first.job).not.toHaveProperty("payload");
      expect(queue.enqueue(newJob(1), T0 + 1)).toMatchObject({ created: false, job: { id: "job-1" } });
      // A second delivery with another event_ts while the first is still waiting joins it.
      expect(queue.enqueue(newJob(1, { id: "job-1b" }), T0 + 2)).toMatchObject({
        created: false,
        job: { id: "job-1" },
      });
      // A transcript is another event of the same recording: a job of its own.
      expect(
        queue.enqueue(newJob(1, { id: "job-1t", event: "recording.transcript_completed" }), T0).created,
      ).toBe(true);
      expect(
        queue
          .list()
          .map((j) => j.id)
          .sort(),
      ).toEqual(["job-1", "job-1t"]);
    });

    it("keeps a done job as the answer to a re-delivery, and forgets its payload", () => {
      queue.enqueue(newJob(1), T0);
      const job = queue.claim("w", T0);
      expect(job?.payload).toContain("download_token");
      expect(queue.complete("job-1", "w", T0 + 5)).toBe(true);
      expect(queue.enqueue(newJob(1), T0 + 10)).toMatchObject({ created: false, job: { state: "done" } });
      expect(queue.get("job-1")).toMatchObject({
        state: "done",
        finished_at: new Date(T0 + 5).toISOString(),
      });
      // A new event for the recording once it is done is a new job (the ingest is safe to re-run).
      expect(queue.enqueue(newJob(1, { id: "job-1b" }), T0 + 20).created).toBe(true);
    });

    it("claims due jobs oldest first, counts attempts, and skips a recording that is already running", () => {
      queue.enqueue(newJob(1), T0);
      queue.enqueue(newJob(2), T0 + 1);
      queue.enqueue(newJob(2, { id: "job-2t", event: "recording.transcript_completed" }), T0 + 2);
      expect(queue.claim("w", T0 + 5)).toMatchObject({
        id: "job-1",
        state: "running",
        attempts: 1,
        worker: "w",
      });
      expect(queue.claim("w", T0 + 5)?.id).toBe("job-2");
      // job-2t waits: two ingests of one recording would race on its document.
      expect(queue.claim("w", T0 + 5)).toBeUndefined();
      queue.complete("job-2", "w", T0 + 6);
      expect(queue.claim("w", T0 + 7)?.id).toBe("job-2t");
    });

    it("never gives one job to two claimers on two connections", () => {
      const other = another();
      for (let n = 1; n <= 20; n++) queue.enqueue(newJob(n), T0 + n);
      const claimed: string[] = [];
      for (let i = 0; i < 15; i++) {
        const a = queue.claim("a", T0 + 100);
        const b = other.claim("b", T0 + 100);
        for (const job of [a, b]) if (job) claimed.push(job.id);
      }
      expect(claimed).toHaveLength(20);
      expect(new Set(claimed).size).toBe(20);
      expect(queue.counts()).toEqual({ queued: 0, running: 20, done: 0, failed: 0 });
    });

    it("applies a running job's transitions only for the worker holding it", () => {
      queue.enqueue(newJob(1), T0);
      queue.claim("w", T0);
      expect(queue.complete("job-1", "intruder", T0)).toBe(false);
      expect(queue.heartbeat("job-1", "w", T0 + 1)).toBe(true);
      expect(queue.fail("job-1", "w", { message: "Zoom said 403.", code: "ZOOM_API" }, T0 + 2)).toBe(true);
      expect(queue.complete("job-1", "w", T0 + 3)).toBe(false);
      expect(queue.get("job-1")).toMatchObject({
        state: "failed",
        last_error: "Zoom said 403.",
        error_code: "ZOOM_API",
      });
    });

    it("schedules a retry: the job is not due before its time", () => {
      queue.enqueue(newJob(1), T0);
      queue.claim("w", T0);
      expect(queue.retryLater("job-1", "w", { message: "503" }, T0 + 60_000, T0 + 10)).toBe(true);
      expect(queue.get("job-1")).toMatchObject({
        state: "queued",
        attempts: 1,
        last_error: "503",
        next_attempt_at: new Date(T0 + 60_000).toISOString(),
      });
      expect(queue.claim("w", T0 + 59_999)).toBeUndefined();
      expect(queue.claim("w", T0 + 60_000)).toMatchObject({ id: "job-1", attempts: 2 });
    });

    it("puts a released job back without counting the attempt", () => {
      queue.enqueue(newJob(1), T0);
      queue.claim("w", T0);
      expect(queue.release("job-1", "w", T0 + 1)).toBe(true);
      expect(queue.get("job-1")).toMatchObject({ state: "queued", attempts: 0, worker: null });
    });

    it("re-queues jobs whose worker is gone or silent, and fails one that died on its last try", () => {
      for (const n of [1, 2, 3, 4]) queue.enqueue(newJob(n), T0);
      queue.claim("dead", T0);
      queue.claim("alive", T0);
      queue.claim("silent", T0);
      queue.claim("dead", T0);
      queue.heartbeat("job-2", "alive", T0 + 50_000);
      // job-4 has used up its tries: a job that kills the server each time must not do it forever.
      queue.retryLater("job-4", "dead", { message: "x" }, T0, T0);
      queue.claim("dead", T0);
      queue.retryLater("job-4", "dead", { message: "x" }, T0, T0);
      queue.claim("dead", T0);
      const recovered = queue.recover(
        { staleAfterMs: 30_000, abandoned: (w) => w === "dead", maxAttempts: 3 },
        T0 + 60_000,
      );
      expect(recovered.requeued.map((j) => j.id).sort()).toEqual(["job-1", "job-3"]);
      expect(recovered.failed.map((j) => j.id)).toEqual(["job-4"]);
      expect(queue.get("job-1")).toMatchObject({ state: "queued", attempts: 1, worker: null });
      expect(queue.get("job-2")).toMatchObject({ state: "running", worker: "alive" });
      expect(queue.get("job-4")?.last_error).toMatch(/during each of its 3 tries/);
    });

    it("retries a failed job with fresh attempts, a waiting one at once, and refuses others", () => {
      queue.enqueue(newJob(1), T0);
      queue.claim("w", T0);
      queue.fail("job-1", "w", { message: "gone" }, T0);
      expect(queue.retry("job-1", T0 + 1)).toMatchObject({ state: "queued", attempts: 0, finished_at: null });
      expect(queue.claim("w", T0 + 1)?.payload).toContain("recording.completed");
      queue.retryLater("job-1", "w", { message: "503" }, T0 + 3_600_000, T0 + 2);
      expect(queue.retry("job-1", T0 + 3)).toMatchObject({
        attempts: 1,
        next_attempt_at: new Date(T0 + 3).toISOString(),
      });
      queue.claim("w", T0 + 3);
      expect(() => queue.retry("job-1")).toThrow(InputError);
      queue.complete("job-1", "w", T0 + 4);
      expect(() => queue.retry("job-1")).toThrow(/is done/);
      expect(() => queue.retry("nope")).toThrow(NotFoundError);
    });

    it("lists newest first, by state, with a limit; counts; prunes old done jobs", () => {
      for (const n of [1, 2, 3]) queue.enqueue(newJob(n), T0 + n);
      queue.claim("w", T0 + 10);
      queue.complete("job-1", "w", T0 + 10);
      expect(queue.list().map((j) => j.id)).toEqual(["job-3", "job-2", "job-1"]);
      expect(queue.list({ state: "queued", limit: 1 }).map((j) => j.id)).toEqual(["job-3"]);
      expect(queue.counts()).toEqual({ queued: 2, running: 0, done: 1, failed: 0 });
      expect(queue.prune(T0 + 10)).toBe(0);
      expect(queue.prune(T0 + 11)).toBe(1);
      expect(queue.get("job-1")).toBeUndefined();
    });
  });
}
