/**
 * What the job queue holds and promises, apart from how it is stored, so the receiver, the worker pool
 * and the CLI can use it without loading SQLite.
 */
import { createHash } from "node:crypto";
import { recordingIdFromUuid } from "../zoom/ids.js";
import type { ZoomRecordingEvent } from "../zoom/types.js";

export type JobState = "queued" | "running" | "done" | "failed";

/** Every state, for a caller that offers them as choices (`zrec jobs list --state`). */
export const JOB_STATES: readonly JobState[] = ["queued", "running", "done", "failed"];

/** One ingest to run, as `zrec jobs list` shows it. Never holds the event itself (it has a token). */
export interface Job {
  id: string;
  recording_id: string;
  /** Zoom's event name: `recording.completed` or `recording.transcript_completed`. */
  event: string;
  topic: string | null;
  state: JobState;
  /** Tries started. One cut short by a crash counts; one a graceful shutdown put back does not. */
  attempts: number;
  created_at: string;
  updated_at: string;
  /** A queued job does not run before this. */
  next_attempt_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The server running it (`host/pid/nonce`) while it runs. */
  worker: string | null;
  /** Why the last try failed; kept after a retry is scheduled, cleared when the job is done. */
  last_error: string | null;
  error_code: string | null;
}

/** A job handed to a worker, with the event JSON exactly as Zoom sent it. */
export interface ClaimedJob extends Job {
  payload: string;
}

export interface NewJob {
  id: string;
  recording_id: string;
  event: string;
  topic?: string;
  /** The webhook body as received; its download_token stays on this disk and never reaches a log. */
  payload: string;
}

export interface RecoverOptions {
  /** A running job whose worker has not been heard of for this long is abandoned. */
  staleAfterMs: number;
  /** True for a worker known to be gone (a process on this host that no longer exists). */
  abandoned: (worker: string) => boolean;
  /** A job abandoned at its last allowed try is failed rather than run again. */
  maxAttempts: number;
}

/** A durable queue of ingest jobs. Every change is committed before the method returns. */
export interface JobQueue {
  /** The database file, for messages and `/healthz`. */
  readonly path: string;
  /**
   * Adds a job unless it is already there, or the same recording and event is queued or running:
   * then `created` is false and `job` is the existing one.
   */
  enqueue(job: NewJob, now?: number): { job: Job; created: boolean };
  /**
   * Takes the queued job that is due first, atomically (two servers never get the same one), skipping
   * recordings that already have a job running, and counts an attempt.
   */
  claim(worker: string, now?: number): ClaimedJob | undefined;
  /** The transitions of a running job; each is a no-op (false) unless `worker` still holds it. */
  heartbeat(id: string, worker: string, now?: number): boolean;
  complete(id: string, worker: string, now?: number): boolean;
  retryLater(id: string, worker: string, error: JobError, at: number, now?: number): boolean;
  fail(id: string, worker: string, error: JobError, now?: number): boolean;
  /** Back to queued without counting the attempt: the server stopped before the job could finish. */
  release(id: string, worker: string, now?: number): boolean;
  /** Re-queues running jobs whose worker crashed or went silent; returns what it changed. */
  recover(options: RecoverOptions, now?: number): { requeued: Job[]; failed: Job[] };
  /**
   * A failed job back to queued with its attempts reset, or a queued one due now.
   * @throws NotFoundError for an unknown id; InputError for a job that is running or done.
   */
  retry(id: string, now?: number): Job;
  get(id: string): Job | undefined;
  /** Newest first. */
  list(filter?: { state?: JobState; limit?: number }): Job[];
  counts(): Record<JobState, number>;
  /** Deletes done jobs that finished before `before` (ms); returns how many. */
  prune(before: number): number;
  close(): void;
}

export interface JobError {
  message: string;
  code?: string;
}

/**
 * The job id of an event: a re-delivery of the same event (Zoom repeats the body, `event_ts`
 * included) gets the same id, a new event for the same recording a new one. Without an `event_ts` the
 * body's hash stands in. 16 hex digits: short enough to type into `zrec jobs retry`.
 * @example
 * jobIdFor(event, rawBody); // "3f9a1c2b7d4e0a55"
 */
export function jobIdFor(event: ZoomRecordingEvent, rawBody: string | Uint8Array): string {
  const recordingId = recordingIdFromUuid(event.payload.object.uuid);
  const instant =
    typeof event.event_ts === "number"
      ? String(event.event_ts)
      : `sha256:${createHash("sha256").update(rawBody).digest("hex")}`;
  return createHash("sha256").update(`${recordingId}\n${event.event}\n${instant}`).digest("hex").slice(0, 16);
}
