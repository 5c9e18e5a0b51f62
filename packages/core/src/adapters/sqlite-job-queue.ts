/**
 * The job queue in SQLite: one table, `jobs`, in the index's database file (beside `recordings`) or a
 * file of its own. A webhook's event is committed here before Zoom gets its 200, so a crash, kill -9
 * or deploy loses nothing. Loaded only by `zrec serve` and `zrec jobs` (through `openJobQueue`).
 */
import { closeSync, existsSync, openSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { BackendError, ErrorCode, InputError, messageOf, NotFoundError } from "../errors.js";
import type { Job, JobError, JobQueue, JobState, NewJob, RecoverOptions } from "../jobs/types.js";
import { makeFolderSync } from "./fs-write.js";

export interface SqliteJobQueueOptions {
  /** The database file; created (with its folder) when missing. `:memory:` for tests. */
  path: string;
}

// Times are epoch milliseconds: they compare as numbers, and the API turns them into ISO strings.
// No PRAGMA user_version: the index owns it in a shared file; this table is created by name alone.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    recording_id TEXT NOT NULL,
    event TEXT NOT NULL,
    topic TEXT,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    worker TEXT,
    heartbeat_at INTEGER,
    last_error TEXT,
    error_code TEXT,
    payload TEXT
  );
  CREATE INDEX IF NOT EXISTS jobs_state_due ON jobs (state, next_attempt_at);
  CREATE INDEX IF NOT EXISTS jobs_recording ON jobs (recording_id, event);
  CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at);
`;

const CLAIM = `
  UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = @worker, started_at = @now,
    heartbeat_at = @now, updated_at = @now, finished_at = NULL
  WHERE state = 'queued' AND id = (
    SELECT q.id FROM jobs AS q
    WHERE q.state = 'queued' AND q.next_attempt_at <= @now
      AND NOT EXISTS (SELECT 1 FROM jobs AS r WHERE r.state = 'running' AND r.recording_id = q.recording_id)
    ORDER BY q.next_attempt_at, q.created_at
    LIMIT 1
  )
  RETURNING *
`;

/** A running job's transitions only apply while this worker still holds it. */
const HELD = "WHERE id = @id AND state = 'running' AND worker = @worker";

interface Row {
  id: string;
  recording_id: string;
  event: string;
  topic: string | null;
  state: JobState;
  attempts: number;
  created_at: number;
  updated_at: number;
  next_attempt_at: number;
  started_at: number | null;
  finished_at: number | null;
  worker: string | null;
  heartbeat_at: number | null;
  last_error: string | null;
  error_code: string | null;
  payload: string | null;
}

/**
 * Opens (creating when needed) the queue at `path`. WAL and a busy timeout let `zrec jobs`, `zrec
 * ingest` and the index adapter use the same file while the server runs; commits are fully synced,
 * since a 200 to Zoom promises the job survives a power cut.
 * @example
 * const queue = createSqliteJobQueue({ path: "./zrec-data/index.db" });
 * const { created } = queue.enqueue({ id, recording_id, event: "recording.completed", payload: rawBody });
 */
export function createSqliteJobQueue(options: SqliteJobQueueOptions): JobQueue {
  const file = options.path;
  const fail = (action: string, cause: unknown) =>
    new BackendError(ErrorCode.JOB_QUEUE_FAILED, `Job queue ${file}: ${action} failed: ${messageOf(cause)}`, {
      cause,
    });
  const guard = <T>(action: string, work: () => T): T => {
    try {
      return work();
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof InputError) throw error;
      throw fail(action, error);
    }
  };

  let db: Database.Database;
  try {
    if (file !== ":memory:") createPrivately(file);
    db = new Database(file);
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(SCHEMA);
  } catch (error) {
    throw fail("opening the queue", error);
  }

  const byId = db.prepare<[string], Row>("SELECT * FROM jobs WHERE id = ?");
  const unfinished = db.prepare<[string, string], Row>(
    "SELECT * FROM jobs WHERE recording_id = ? AND event = ? AND state IN ('queued', 'running') LIMIT 1",
  );
  const insert = db.prepare(
    `INSERT INTO jobs (id, recording_id, event, topic, state, attempts, created_at, updated_at, next_attempt_at, payload)
     VALUES (@id, @recording_id, @event, @topic, 'queued', 0, @now, @now, @now, @payload)`,
  );
  const claim = db.prepare<[{ worker: string; now: number }], Row>(CLAIM);
  const heartbeat = db.prepare(`UPDATE jobs SET heartbeat_at = @now ${HELD}`);
  const complete = db.prepare(
    `UPDATE jobs SET state = 'done', finished_at = @now, updated_at = @now, worker = NULL, heartbeat_at = NULL,
       last_error = NULL, error_code = NULL, payload = NULL ${HELD}`,
  );
  const retryLater = db.prepare(
    `UPDATE jobs SET state = 'queued', next_attempt_at = @at, updated_at = @now, worker = NULL,
       heartbeat_at = NULL, last_error = @message, error_code = @code ${HELD}`,
  );
  const failJob = db.prepare(
    `UPDATE jobs SET state = 'failed', finished_at = @now, updated_at = @now, worker = NULL,
       heartbeat_at = NULL, last_error = @message, error_code = @code ${HELD}`,
  );
  const release = db.prepare(
    `UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), next_attempt_at = @now,
       updated_at = @now, worker = NULL, heartbeat_at = NULL ${HELD}`,
  );
  const running = db.prepare<[], Row>("SELECT * FROM jobs WHERE state = 'running'");
  const abandon = db.prepare(
    `UPDATE jobs SET state = @state, next_attempt_at = @now, updated_at = @now, worker = NULL, heartbeat_at = NULL,
       finished_at = CASE WHEN @state = 'failed' THEN @now END, last_error = @message, error_code = NULL
     WHERE id = @id AND state = 'running' AND worker IS @worker`,
  );
  const requeue = db.prepare(
    `UPDATE jobs SET state = 'queued', attempts = CASE WHEN state = 'failed' THEN 0 ELSE attempts END,
       next_attempt_at = @now, updated_at = @now, finished_at = NULL WHERE id = @id`,
  );
  const countAll = db.prepare<[], { state: JobState; n: number }>(
    "SELECT state, count(*) AS n FROM jobs GROUP BY state",
  );
  const prune = db.prepare("DELETE FROM jobs WHERE state = 'done' AND finished_at < ?");

  const enqueue = db.transaction((job: NewJob, now: number) => {
    const existing = byId.get(job.id) ?? unfinished.get(job.recording_id, job.event);
    if (existing) return { job: jobOf(existing), created: false };
    insert.run({ ...job, topic: job.topic ?? null, now });
    return { job: jobOf(byId.get(job.id) as Row), created: true };
  });

  const recover = db.transaction((options: RecoverOptions, now: number) => {
    const requeued: Job[] = [];
    const failed: Job[] = [];
    for (const row of running.all()) {
      const silent = now - (row.heartbeat_at ?? row.updated_at) > options.staleAfterMs;
      if (!silent && !(row.worker !== null && options.abandoned(row.worker))) continue;
      const last = row.attempts >= options.maxAttempts;
      const message = last
        ? `The server stopped (crash or kill) during each of its ${row.attempts} tries; failed so it cannot stop it again.`
        : "The server stopped (crash or kill) while it ran; queued again.";
      abandon.run({ id: row.id, worker: row.worker, state: last ? "failed" : "queued", message, now });
      (last ? failed : requeued).push(jobOf(byId.get(row.id) as Row));
    }
    return { requeued, failed };
  });

  const retry = db.transaction((id: string, now: number) => {
    const row = byId.get(id);
    if (!row) {
      throw new NotFoundError(`No job ${JSON.stringify(id)} is in the queue ${file}.`, {
        suggestion: "Run `zrec jobs list` to see the job ids.",
      });
    }
    if (row.state === "running" || row.state === "done") {
      throw new InputError(
        `Job ${id} is ${row.state}; only a failed or waiting job can be retried.`,
        row.state === "done"
          ? {
              suggestion: `To archive recording ${row.recording_id} again, run \`zrec ingest\` on its event.`,
            }
          : {},
      );
    }
    requeue.run({ id, now });
    return jobOf(byId.get(id) as Row);
  });

  const held = (id: string, worker: string, now: number) => ({ id, worker, now });
  return {
    path: file,
    enqueue: (job, now = Date.now()) => guard(`queuing job ${job.id}`, () => enqueue.immediate(job, now)),
    claim(worker, now = Date.now()) {
      const row = guard("claiming a job", () => claim.get({ worker, now }));
      return row === undefined ? undefined : { ...jobOf(row), payload: row.payload ?? "" };
    },
    heartbeat: (id, worker, now = Date.now()) =>
      guard(`renewing job ${id}`, () => heartbeat.run(held(id, worker, now)).changes === 1),
    complete: (id, worker, now = Date.now()) =>
      guard(`finishing job ${id}`, () => complete.run(held(id, worker, now)).changes === 1),
    retryLater: (id, worker, error: JobError, at, now = Date.now()) =>
      guard(
        `rescheduling job ${id}`,
        () => retryLater.run({ ...held(id, worker, now), at, ...errorOf(error) }).changes === 1,
      ),
    fail: (id, worker, error: JobError, now = Date.now()) =>
      guard(
        `failing job ${id}`,
        () => failJob.run({ ...held(id, worker, now), ...errorOf(error) }).changes === 1,
      ),
    release: (id, worker, now = Date.now()) =>
      guard(`putting job ${id} back`, () => release.run(held(id, worker, now)).changes === 1),
    recover: (options, now = Date.now()) => guard("recovering jobs", () => recover.immediate(options, now)),
    retry: (id, now = Date.now()) => guard(`retrying job ${id}`, () => retry.immediate(id, now)),
    get(id) {
      const row = guard(`reading job ${id}`, () => byId.get(id));
      return row === undefined ? undefined : jobOf(row);
    },
    list(filter = {}) {
      const params: Record<string, string | number> = {};
      let sql = "SELECT * FROM jobs";
      if (filter.state !== undefined) {
        sql += " WHERE state = @state";
        params.state = filter.state;
      }
      sql += " ORDER BY created_at DESC, id";
      if (filter.limit !== undefined) {
        sql += " LIMIT @limit";
        params.limit = Math.max(0, Math.floor(filter.limit));
      }
      return guard("listing jobs", () => db.prepare<[typeof params], Row>(sql).all(params).map(jobOf));
    },
    counts() {
      const counts: Record<JobState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
      for (const { state, n } of guard("counting jobs", () => countAll.all())) counts[state] = n;
      return counts;
    },
    prune: (before) => guard("pruning done jobs", () => prune.run(before).changes),
    close() {
      if (db.open) db.close();
    },
  };
}

/** The queue holds webhook bodies, which carry a download token: a new file is readable by its owner only. */
function createPrivately(file: string): void {
  if (existsSync(file)) return;
  makeFolderSync(path.dirname(path.resolve(file)));
  closeSync(openSync(file, "a", 0o600));
}

function errorOf(error: JobError): { message: string; code: string | null } {
  return { message: error.message, code: error.code ?? null };
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

function jobOf(row: Row): Job {
  return {
    id: row.id,
    recording_id: row.recording_id,
    event: row.event,
    topic: row.topic,
    state: row.state,
    attempts: row.attempts,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    next_attempt_at: iso(row.next_attempt_at),
    started_at: isoOrNull(row.started_at),
    finished_at: isoOrNull(row.finished_at),
    worker: row.worker,
    last_error: row.last_error,
    error_code: row.error_code,
  };
}
