/**
 * The option values commands share, parsed as commander reads them: a bad value is a usage error (exit 2)
 * before anything is loaded or opened. Each parser throws commander's InvalidArgumentError worded as
 * what the value "is not"; program.ts puts the option and the value in front (`--limit "x" is not …`).
 * Defaults given beside a parser are not passed through it: write them already parsed.
 */
import { InvalidArgumentError } from "commander";

/**
 * A whole number from `min` to `max`, written in digits (`1e3`, `0x10`, `12.0` and `` are refused).
 * @example
 * .option("--port <n>", "port to listen on", wholeNumber(0, 65_535), 8080)
 */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (Number.isSafeInteger(number) && number >= min && number <= max) return number;
    throw new InvalidArgumentError(`is not a whole number from ${min} to ${max}.`);
  };
}

/** 1 or more, in digits: a `--limit`, a `--concurrency`. */
export function positiveWhole(value: string): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(number) && number >= 1) return number;
  throw new InvalidArgumentError("is not a positive whole number.");
}

/** A number of seconds, 0 or more, fractions allowed (`--grace-seconds 0.5`). */
export function seconds(value: string): number {
  const number = value.trim() === "" ? Number.NaN : Number(value);
  if (Number.isFinite(number) && number >= 0) return number;
  throw new InvalidArgumentError("is not a number of seconds, 0 or more.");
}

/** 00:00 UTC of a day written YYYY-MM-DD that the calendar has (not 2025-02-30), else undefined. */
function dayOf(value: string): Date | undefined {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  return date && !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value) ? date : undefined;
}

/** A calendar day written YYYY-MM-DD (`--as-of`, `--from`, `--to`), as 00:00 UTC that day. */
export function utcDay(value: string): Date {
  const date = dayOf(value);
  if (date) return date;
  throw new InvalidArgumentError("is not a date: write a UTC day as YYYY-MM-DD.");
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A day or a moment to compare with a document's start_time, which the index holds as text: a day
 * stays a day (`2024-07-04` means from that UTC day on), a time with an offset becomes UTC, the way
 * start_time is written.
 * @example
 * sinceTime("2024-07-04T15:00+02:00"); // "2024-07-04T13:00:00Z"
 */
export function sinceTime(value: string): string {
  if (dayOf(value)) return value;
  if (DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(value).toISOString().replace(".000Z", "Z");
  }
  throw new InvalidArgumentError("is not a date: write YYYY-MM-DD or an ISO time like 2024-07-04T13:00Z.");
}

/**
 * The path Zoom posts its events to. /healthz is taken by the health check; a query or a fragment would
 * never match the path of a request.
 */
export function webhookPath(value: string): string {
  if (value.startsWith("/") && value !== "/healthz" && !/[?#\s]/.test(value)) return value;
  throw new InvalidArgumentError("is not a URL path such as /ingest/zoom_webhook.");
}

/**
 * An option that may be given more than once (`--account a --account b`), collected in order.
 * @example
 * new Option("--account <name>", "…").argParser(repeatable)
 */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
