/**
 * zrec's structured logs: one JSON object per line, one line per thing that happened, the same fields
 * (`time`, `level`, `msg`, then snake_case fields) from `zrec serve` and from the Lambda handlers, so
 * one query reads both. Callers pass ids, states, sizes and error messages (which core keeps free of
 * secrets), never a body or header. A leaf module: it imports nothing.
 */

export type LogLevel = "info" | "warn" | "error";

export interface LogEntry {
  /** What happened: serve's are dotted (`webhook.queued`, `job.failed`); a Lambda's may be a sentence. */
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
    write(cappedLine({ time: now().toISOString(), level, msg, ...fields }));
  };
}

/** The longest line written, newline included: an error naming thousands of keys once made 1.6 MB. */
export const MAX_LOG_LINE = 16 * 1024;
const MAX_FIELD = 2 * 1024;

function cappedLine(entry: Record<string, unknown>): string {
  const line = `${JSON.stringify(entry)}\n`;
  if (line.length <= MAX_LOG_LINE) return line;
  const cut: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    cut[key] =
      text !== undefined && text.length > MAX_FIELD
        ? `${text.slice(0, MAX_FIELD)}… (${text.length - MAX_FIELD} more characters)`
        : value;
  }
  cut.truncated = true;
  const shorter = `${JSON.stringify(cut)}\n`;
  if (shorter.length <= MAX_LOG_LINE) return shorter;
  const { time, level, msg } = entry;
  return `${JSON.stringify({ time, level, msg: String(msg).slice(0, MAX_FIELD), truncated: true })}\n`;
}
