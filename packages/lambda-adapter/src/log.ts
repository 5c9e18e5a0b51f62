/**
 * One JSON object per line on stdout, which CloudWatch Logs Insights reads field by field: core's
 * jsonLogger, so a Lambda's lines have the fields of `zrec serve`'s (`time`, `level`, `msg`, snake_case
 * fields) plus `handler` and `request_id`. Written to stdout directly: Lambda's console.log would put
 * a time, the request id and a level in front of the JSON, and the line would no longer be one object.
 * Inputs are never logged: an execution's input carries Zoom's download token.
 */
import { jsonLogger, type LogLevel } from "@zrec/core/webhook";

export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/**
 * @example
 * const log = createLog("webhook", context.awsRequestId);
 * log("info", "skipped", { reason }); // {"time":"…","level":"info","msg":"skipped","handler":"webhook","request_id":"…","reason":"…"}
 */
export function createLog(
  handler: string,
  requestId?: string,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Log {
  const log = jsonLogger(write);
  return (level, message, fields = {}) =>
    log({ level, msg: message, handler, ...(requestId ? { request_id: requestId } : {}), ...fields });
}
