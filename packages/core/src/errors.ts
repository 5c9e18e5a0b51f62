/**
 * Every error zrec throws on purpose. Each has a stable `code` (for scripts and tests), a message that is
 * one sentence naming the file, key or id at fault, and optionally a `suggestion` the CLI prints below it.
 * This module imports nothing of the project so every layer can use it.
 */

export const ErrorCode = {
  CONFIG_INVALID: "CONFIG_INVALID",
  INPUT_INVALID: "INPUT_INVALID",
  DOCUMENT_INVALID: "DOCUMENT_INVALID",
  WEBHOOK_REJECTED: "WEBHOOK_REJECTED",
  ZOOM_API: "ZOOM_API",
  ZOOM_AUTH: "ZOOM_AUTH",
  ZOOM_RATE_LIMITED: "ZOOM_RATE_LIMITED",
  DOWNLOAD_REFUSED: "DOWNLOAD_REFUSED",
  TRANSFER_FAILED: "TRANSFER_FAILED",
  SIZE_MISMATCH: "SIZE_MISMATCH",
  STORE_FAILED: "STORE_FAILED",
  INDEX_FAILED: "INDEX_FAILED",
  NOTIFY_FAILED: "NOTIFY_FAILED",
  NOT_FOUND: "NOT_FOUND",
  INGEST_FAILED: "INGEST_FAILED",
  JOB_QUEUE_FAILED: "JOB_QUEUE_FAILED",
  RECORDING_GONE: "RECORDING_GONE",
  ZOOM_PROCESSING: "ZOOM_PROCESSING",
  COPY_IN_PROGRESS: "COPY_IN_PROGRESS",
  INGEST_RACE: "INGEST_RACE",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ZrecErrorOptions {
  cause?: unknown;
  /** One line telling the user what to do about it. */
  suggestion?: string;
}

export class ZrecError extends Error {
  readonly code: ErrorCode;
  readonly suggestion?: string;
  /** True when the input (a file, a key, an argument) is at fault: the CLI exits 2 instead of 1. */
  readonly badInput: boolean = false;

  constructor(code: ErrorCode, message: string, options: ZrecErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.suggestion !== undefined) this.suggestion = options.suggestion;
  }
}

/** The configuration has an unknown key, a wrong type or a missing required value. */
export class ConfigError extends ZrecError {
  override readonly badInput = true;
  /** Dotted path of the key at fault, e.g. `ingest.partSizeMiB`. */
  readonly key: string;
  constructor(key: string, message: string, options?: ZrecErrorOptions) {
    super(ErrorCode.CONFIG_INVALID, message, options);
    this.key = key;
  }
}

/** A file or argument given by the user cannot be used (missing, not JSON, not a recording event…). */
export class InputError extends ZrecError {
  override readonly badInput = true;
  constructor(message: string, options?: ZrecErrorOptions) {
    super(ErrorCode.INPUT_INVALID, message, options);
  }
}

/** A recording document lacks a required field or has one of the wrong type. */
export class DocumentError extends ZrecError {
  override readonly badInput = true;
  readonly field: string;
  constructor(field: string, message: string, options?: ZrecErrorOptions) {
    super(ErrorCode.DOCUMENT_INVALID, message, options);
    this.field = field;
  }
}

/** A webhook request that must be refused; `status` is the HTTP answer Zoom gets. */
export class WebhookRejected extends ZrecError {
  readonly status: number;
  constructor(status: number, message: string, options?: ZrecErrorOptions) {
    super(ErrorCode.WEBHOOK_REJECTED, message, options);
    this.status = status;
  }
}

/** Zoom's REST API answered with an error, or could not be reached. */
export class ZoomApiError extends ZrecError {
  readonly status?: number;
  /** Zoom's own error code from the JSON body (e.g. 3301), when it sent one. */
  readonly zoomCode?: number;
  constructor(
    message: string,
    details: { status?: number; zoomCode?: number; code?: ErrorCode } & ZrecErrorOptions = {},
  ) {
    super(details.code ?? ErrorCode.ZOOM_API, message, details);
    if (details.status !== undefined) this.status = details.status;
    if (details.zoomCode !== undefined) this.zoomCode = details.zoomCode;
  }
}

/** A download URL (or a redirect) points somewhere zrec must not fetch. */
export class DownloadRefused extends ZrecError {
  constructor(message: string, options?: ZrecErrorOptions) {
    super(ErrorCode.DOWNLOAD_REFUSED, message, options);
  }
}

/** Copying one recording file failed for good (after retries). */
export class TransferError extends ZrecError {
  constructor(message: string, options?: ZrecErrorOptions & { code?: ErrorCode }) {
    super(options?.code ?? ErrorCode.TRANSFER_FAILED, message, options);
  }
}

/** A storage backend (object store, index, notifier) failed; the message names backend and key. */
export class BackendError extends ZrecError {}

/**
 * Another zrec process is copying the same file into the same folder store right now (a `zrec ingest`
 * and a `zrec serve` or `sweep-missed` of one recording). This copy stops without touching the other's
 * part folder; worth another try once that one has finished. `holder` is unknown when the other took
 * the copy over from this one.
 */
export class CopyInProgress extends ZrecError {
  readonly key: string;
  readonly holder?: { host: string; pid: number };
  constructor(key: string, holder?: { host: string; pid: number }, options?: ZrecErrorOptions) {
    super(
      ErrorCode.COPY_IN_PROGRESS,
      holder
        ? `another zrec process (pid ${holder.pid} on ${holder.host}) is copying ${key}; run again when it has finished.`
        : `another zrec process took over the copy of ${key}; run again when it has finished.`,
      options,
    );
    this.key = key;
    if (holder) this.holder = { host: holder.host, pid: holder.pid };
  }
}

/** Something asked for does not exist (a recording id not in the index, …). */
export class NotFoundError extends ZrecError {
  override readonly badInput = true;
  constructor(message: string, options?: ZrecErrorOptions) {
    super(ErrorCode.NOT_FOUND, message, options);
  }
}

/**
 * Zoom no longer holds the recording (trashed or deleted: 404, code 3301). Nothing can be copied, and
 * running the ingest again cannot change that, so there is no retry advice.
 */
export class RecordingGone extends ZrecError {
  readonly recordingId: string;
  constructor(recordingId: string, options?: ZrecErrorOptions) {
    super(
      ErrorCode.RECORDING_GONE,
      `Zoom no longer holds recording ${recordingId} (it was trashed or deleted); nothing to copy.`,
      options,
    );
    this.recordingId = recordingId;
  }
}

/** The message of any thrown value, for wrapping foreign errors into one sentence. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An ingest stopped because one or more files could not be stored; nothing was trashed. */
export class IngestFailed extends ZrecError {
  readonly failures: { key: string; message: string }[];
  constructor(recordingId: string, failures: { key: string; message: string }[], options?: ZrecErrorOptions) {
    const first = failures[0];
    const summary =
      failures.length === 1 && first
        ? first.message.includes(first.key)
          ? first.message
          : `${first.key}: ${first.message}`
        : `${failures.length} files failed (${failures.map((f) => f.key).join(", ")}); first: ${first?.message}`;
    super(
      ErrorCode.INGEST_FAILED,
      `Ingest of recording ${recordingId} failed, nothing was trashed: ${summary}`,
      {
        suggestion:
          "Run the same ingest again once the cause is fixed; files already stored are not copied again.",
        ...options,
      },
    );
    this.failures = failures;
  }
}

/**
 * Zoom is still processing a file of the recording, so it cannot be archived whole yet. Worth another
 * try later (`zrec serve` reschedules the job); not a failure of zrec's.
 */
/**
 * Other ingests of the same recording kept writing its document while this one merged its files into
 * it: transient, as a re-run merges into the newest.
 */
export class IngestRace extends ZrecError {
  constructor(recordingId: string, attempts: number) {
    super(
      ErrorCode.INGEST_RACE,
      `Recording ${recordingId} was written by other ingests ${attempts} times while this one merged its files.`,
      {
        suggestion:
          "Run the ingest again: its files are stored, and it merges them into the newest document.",
      },
    );
  }
}

export class RecordingProcessing extends ZrecError {
  constructor(
    readonly recordingId: string,
    reason: string,
  ) {
    super(ErrorCode.ZOOM_PROCESSING, `Recording ${recordingId} is not complete yet: ${reason}.`, {
      suggestion: "It is tried again later; `zrec sweep-missed` also completes it once Zoom has finished.",
    });
  }
}
