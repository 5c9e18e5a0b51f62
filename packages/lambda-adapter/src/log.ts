/**
 * One JSON object per line on stdout, which CloudWatch Logs Insights reads field by field. Inputs are
 * never logged: an execution's input carries Zoom's download token.
 */
import type { IngestEvent } from "@zrec/core";

export type Log = (
  level: "info" | "warn" | "error",
  message: string,
  fields?: Record<string, unknown>,
) => void;

export function createLog(handler: string, requestId?: string): Log {
  return (level, message, fields = {}) => {
    const line = JSON.stringify({ level, handler, ...(requestId ? { requestId } : {}), message, ...fields });
    (level === "error" ? console.error : console.log)(line);
  };
}

/** Progress of a copy comes once per part; the start and end of each file are what an operator reads. */
export function logIngestEvent(log: Log): (event: IngestEvent) => void {
  return (event) => {
    if (event.type === "file-progress") return;
    if (event.type === "warning") log("warn", event.message);
    else log("info", event.type, { ...event });
  };
}
