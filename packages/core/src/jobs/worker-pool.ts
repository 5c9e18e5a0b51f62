/**
 * Runs queued jobs, a bounded number at a time. A failure that may pass (see `retryVerdict`: the
 * network, Zoom or AWS throttling and 5xx, a file Zoom still processes) is tried again after a backoff;
 * one that cannot pass by waiting (bad input, a refused download host, Zoom 4xx, access denied, a bug)
 * fails the job at once, keeping its error for `zrec jobs list` and `zrec jobs retry`.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { messageOf, ZrecError } from "../errors.js";
import type { Logger } from "../log.js";
import { backoffDelay, defaultRetryPolicy } from "../retry.js";
import { retryVerdict } from "../retry-verdict.js";
import type { ClaimedJob, JobQueue } from "./types.js";

export interface WorkerPoolOptions {
  queue: JobQueue;
  /**
   * Runs one job and returns fields for its `job.finished` log line. `signal` aborts when the server
   * stops and the grace period is over.
   */
  run: (job: ClaimedJob, signal: AbortSignal) => Promise<Record<string, unknown> | undefined>;
  /** Jobs run at once. */
  concurrency: number;
  /** Tries of a job before a transient failure fails it. */
  maxAttempts: number;
  log: Logger;
  /** Backoff between tries: doubling from `baseDelayMs`, capped, jittered. Default 60 s up to 1 h. */
  retryDelay?: { baseDelayMs?: number; maxDelayMs?: number };
  /** How often the queue is looked at for due jobs (another process may add or retry one). Default 1 s. */
  pollMs?: number;
  /** How often running jobs are marked alive and abandoned ones looked for. Default 10 s. */
  heartbeatMs?: number;
  /** A running job not marked alive for this long is taken to be abandoned. Default 60 s. */
  staleAfterMs?: number;
  /** Done jobs are deleted this long after they finished. Default 30 days. */
  keepDoneMs?: number;
  now?: () => number;
}

export interface WorkerPool {
  /** This process's worker id, `host/pid/nonce`, as jobs record it. */
  readonly worker: string;
  /** Re-queues what a crashed server left running, then starts taking jobs. */
  start(): void;
  /** Looks for a job now rather than at the next poll (a webhook has just queued one). */
  wake(): void;
  active(): number;
  /**
   * Takes no more jobs, waits up to `graceMs` for the running ones, then aborts the rest and puts them
   * back in the queue. Resolves with how many were put back.
   */
  stop(graceMs: number): Promise<{ released: number }>;
}

/** How long an aborted job gets to abort its uploads before it is put back regardless. */
const ABORT_WAIT_MS = 5_000;
const DAY_MS = 24 * 3600 * 1000;

/**
 * @example
 * const pool = createWorkerPool({ queue, concurrency: 2, maxAttempts: 6, log,
 *   run: (job, signal) => runIngest(JSON.parse(job.payload), { ...deps, signal }).then(() => undefined) });
 * pool.start();
 * process.once("SIGTERM", () => pool.stop(30_000));
 */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const { queue, log } = options;
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 1_000;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const policy = { ...defaultRetryPolicy, baseDelayMs: 60_000, maxDelayMs: 3_600_000, ...options.retryDelay };
  const worker = `${hostname()}/${process.pid}/${randomBytes(4).toString("hex")}`;
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let lastMaintenance = Number.NEGATIVE_INFINITY;
  let released = 0;

  const schedule = (ms: number) => {
    if (stopping) return;
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref();
  };

  /** The queue failing (disk full, file gone) must not kill the server: it is logged and tried again. */
  const safely = <T>(what: string, work: () => T): T | undefined => {
    try {
      return work();
    } catch (error) {
      log({ level: "error", msg: "queue.error", while: what, error: messageOf(error) });
      return undefined;
    }
  };

  function maintain(): void {
    lastMaintenance = now();
    for (const id of running.keys()) safely("marking a job alive", () => queue.heartbeat(id, worker, now()));
    const recovered = safely("recovering jobs", () =>
      queue.recover(
        { staleAfterMs: options.staleAfterMs ?? 60_000, abandoned, maxAttempts: options.maxAttempts },
        now(),
      ),
    );
    for (const job of recovered?.requeued ?? []) {
      log({
        level: "warn",
        msg: "job.recovered",
        job: job.id,
        recording_id: job.recording_id,
        attempts: job.attempts,
      });
    }
    for (const job of recovered?.failed ?? []) {
      log({
        level: "error",
        msg: "job.failed",
        job: job.id,
        recording_id: job.recording_id,
        error: job.last_error,
      });
    }
  }

  function tick(): void {
    timer = undefined;
    if (stopping) return;
    if (now() - lastMaintenance >= heartbeatMs) maintain();
    while (running.size < options.concurrency) {
      const job = safely("claiming a job", () => queue.claim(worker, now()));
      if (!job) break;
      begin(job);
    }
    schedule(pollMs);
  }

  function begin(job: ClaimedJob): void {
    const controller = new AbortController();
    const started = now();
    const ids = { job: job.id, recording_id: job.recording_id };
    log({ msg: "job.started", ...ids, event: job.event, attempt: job.attempts });
    const done = (async () => {
      try {
        const fields = await options.run(job, controller.signal);
        safely("finishing a job", () => queue.complete(job.id, worker, now()));
        log({ msg: "job.finished", ...ids, duration_ms: now() - started, ...fields });
      } catch (error) {
        settle(job, error, controller.signal.aborted && stopping, now() - started);
      } finally {
        running.delete(job.id);
        schedule(0);
      }
    })();
    running.set(job.id, { controller, done });
  }

  function settle(job: ClaimedJob, error: unknown, interrupted: boolean, durationMs: number): void {
    const ids = { job: job.id, recording_id: job.recording_id, duration_ms: durationMs };
    if (interrupted) {
      if (safely("putting a job back", () => queue.release(job.id, worker, now()))) released++;
      log({ level: "warn", msg: "job.released", ...ids });
      return;
    }
    const failure = {
      message: messageOf(error),
      ...(error instanceof ZrecError ? { code: error.code } : {}),
    };
    const kind = retryVerdict(error);
    if (kind === "transient" && job.attempts < options.maxAttempts) {
      const at = Math.ceil(now() + backoffDelay(job.attempts, policy));
      safely("rescheduling a job", () => queue.retryLater(job.id, worker, failure, at, now()));
      log({
        level: "warn",
        msg: "job.retry",
        ...ids,
        attempt: job.attempts,
        error: failure.message,
        code: failure.code,
        next_attempt_at: new Date(at).toISOString(),
      });
      return;
    }
    safely("failing a job", () => queue.fail(job.id, worker, failure, now()));
    log({
      level: "error",
      msg: "job.failed",
      ...ids,
      attempts: job.attempts,
      kind,
      error: failure.message,
      code: failure.code,
    });
  }

  function abandoned(other: string): boolean {
    const [host, pid, nonce] = other.split("/");
    if (other === worker || host !== hostname() || pid === undefined || nonce === undefined) return false;
    // Same pid, other nonce: an earlier run of this server (a container's pid 1 restarted).
    if (Number(pid) === process.pid) return true;
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ESRCH";
    }
  }

  return {
    worker,
    start() {
      safely("pruning done jobs", () => queue.prune(now() - (options.keepDoneMs ?? 30 * DAY_MS)));
      tick();
    },
    wake: () => schedule(0),
    active: () => running.size,
    async stop(graceMs) {
      stopping = true;
      clearTimeout(timer);
      const inTime = await within(
        graceMs,
        [...running.values()].map((job) => job.done),
      );
      if (!inTime) {
        for (const job of running.values()) job.controller.abort(new Error("zrec serve is stopping"));
        await within(
          ABORT_WAIT_MS,
          [...running.values()].map((job) => job.done),
        );
        // A job that ignores its abort is put back now; its own late update then finds it not held.
        for (const id of running.keys()) {
          if (safely("putting a job back", () => queue.release(id, worker, now()))) released++;
          log({ level: "warn", msg: "job.released", job: id });
        }
      }
      return { released };
    },
  };
}

/** True when every promise settled within `ms`. */
async function within(ms: number, promises: Promise<unknown>[]): Promise<boolean> {
  if (promises.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const all = Promise.allSettled(promises).then(() => true);
  try {
    return await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
