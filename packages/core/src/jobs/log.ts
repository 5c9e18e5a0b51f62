/**
 * Structured logs for `zrec serve`: one JSON object per line, one line per thing that happened. Callers
 * pass ids, states, sizes and error messages (which core keeps free of secrets), never a body or header.
 */

export type LogLevel = "info" | "warn" | "error";

export interface LogEntry {
  /** What happened, dotted: `webhook.queued`, `job.failed`, `server.listening`. */
  msg: string;
  /** Default `info`. */
  level?: LogLevel;
  [field: string]: unknown;
}

export type Logger = (entry: LogEntry) => void;

/**
 * A logger writing `{"time","level","msg",…fields}` lines; undefined fields are left out.
 * @example
 * const log = jsonLogger((line) => process.stdout.write(line));
 * log({ msg: "job.finished", job: "3f9a1c2b7d4e0a55", duration_ms: 5120 });
 */
export function jsonLogger(
  write: (line: string) => void,
  options: { quiet?: boolean; now?: () => Date } = {},
): Logger {
  const now = options.now ?? (() => new Date());
  return ({ msg, level = "info", ...fields }) => {
    if (options.quiet && level === "info") return;
    write(`${JSON.stringify({ time: now().toISOString(), level, msg, ...fields })}\n`);
  };
}
