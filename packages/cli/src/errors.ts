/**
 * The one place an error becomes what the user sees: a sentence on stderr (and, with --json, an
 * `{"error": …}` object on stdout) and an exit code. Commands throw; only main.ts sets the exit code.
 *
 * Exit codes: 0 success, 1 failure (also some items of a command failed), 2 bad usage or bad input,
 * 130 interrupted (Ctrl+C).
 */
import type { ZrecError } from "@zrec/core";
import { escapeControl } from "./ui/output.js";

const EXIT_FAILURE = 1;
const EXIT_BAD_INPUT = 2;
const EXIT_INTERRUPTED = 130;

/** Wrong command line: unknown command or option, missing argument. Shaped like a core error. */
export class UsageError extends Error {
  readonly code = "USAGE";
  readonly badInput = true;
  readonly suggestion?: string;
  constructor(message: string, suggestion?: string) {
    super(message);
    this.name = "UsageError";
    if (suggestion !== undefined) this.suggestion = suggestion;
  }
}

/** The user pressed Ctrl+C and the command stopped early; `cause` is what the stopped work threw. */
export class Interrupted extends Error {
  readonly code = "INTERRUPTED";
  readonly suggestion?: string;
  constructor(what: string, options: { cause?: unknown; suggestion?: string } = {}) {
    super(`Interrupted before ${what} finished.`, { cause: options.cause });
    this.name = "Interrupted";
    if (options.suggestion !== undefined) this.suggestion = options.suggestion;
  }
}

/**
 * The command finished, but some of its items did not: a meeting not ingested, a recording not deleted,
 * a bad document not indexed. Its report (stdout, JSON with --json) already names each item; this says
 * on stderr which ones failed and what to do, and exits 1. With --json nothing more goes to stdout: the
 * report is the one JSON document there.
 */
export class PartialFailure extends Error {
  readonly code = "PARTIAL_FAILURE";
  readonly badInput = false;
  /** One line per failed item, printed before the message (which sums them up). */
  readonly details: readonly string[];
  readonly suggestion?: string;
  constructor(message: string, options: { details?: readonly string[]; suggestion?: string } = {}) {
    super(message);
    this.name = "PartialFailure";
    this.details = options.details ?? [];
    if (options.suggestion !== undefined) this.suggestion = options.suggestion;
  }
}

/** Ends the run with `exitCode` and prints nothing more (help or version were already printed). */
export class SilentExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = "SilentExit";
  }
}

export interface ErrorOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processOutput: ErrorOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

type UserFacing = Pick<ZrecError, "code" | "message" | "badInput" | "suggestion">;

/**
 * Core's errors are recognised by shape, not `instanceof`: importing @zrec/core here would load all of
 * it before `zrec --help` could answer. The shape is exactly what ZrecError and UsageError promise.
 */
function isUserFacing(error: unknown): error is Error & UserFacing {
  if (!(error instanceof Error)) return false;
  const candidate = error as Error & Partial<UserFacing>;
  return typeof candidate.code === "string" && typeof candidate.badInput === "boolean";
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

/**
 * Reports `error` and returns the exit code for it.
 * @example
 * process.exitCode = handleError(error, { verbose: false, json: false });
 */
export function handleError(
  error: unknown,
  options: { verbose: boolean; json: boolean },
  output: ErrorOutput = processOutput,
): number {
  if (error instanceof SilentExit) return error.exitCode;

  let code: string;
  let message: string;
  let suggestion: string | undefined;
  let exitCode: number;
  if (error instanceof Interrupted) {
    ({ code, message, suggestion } = error);
    exitCode = EXIT_INTERRUPTED;
  } else if (isUserFacing(error)) {
    ({ code, message, suggestion } = error);
    exitCode = error.badInput ? EXIT_BAD_INPUT : EXIT_FAILURE;
  } else if (isAbort(error)) {
    [code, message, exitCode] = ["INTERRUPTED", "Interrupted.", EXIT_INTERRUPTED];
  } else {
    code = "UNEXPECTED";
    message = error instanceof Error ? error.message : String(error);
    exitCode = EXIT_FAILURE;
  }

  // A message can quote host-chosen text (a topic, Zoom's own message): no control characters raw.
  if (error instanceof PartialFailure) {
    for (const detail of error.details) output.stderr(`zrec: ${escapeControl(detail, "\n")}\n`);
  }
  output.stderr(`zrec: ${escapeControl(message, "\n")}\n`);
  if (suggestion) output.stderr(`  ${escapeControl(suggestion, "\n")}\n`);
  if (options.verbose && error instanceof Error) {
    output.stderr(`\n${escapeControl(describeStack(error), "\n")}\n`);
  }
  if (options.json && !(error instanceof PartialFailure)) {
    const body = { code, message, ...(suggestion ? { suggestion } : {}) };
    output.stdout(`${JSON.stringify({ error: body })}\n`);
  }
  return exitCode;
}

/** The stack, then each `cause` in turn, so --verbose shows where a wrapped error came from. */
function describeStack(error: Error): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && !seen.has(current) && parts.length < 10) {
    seen.add(current);
    const text = current instanceof Error ? (current.stack ?? current.message) : String(current);
    parts.push(parts.length === 0 ? text : `Caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n");
}
