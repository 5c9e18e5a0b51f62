import {
  BackendError,
  ConfigError,
  DownloadRefused,
  ErrorCode,
  IngestFailed,
  TransferError,
  ZoomApiError,
} from "@zrec/core";
import { describe, expect, it } from "vitest";
import { FAILED_ERROR, HandlerError, isRetryable, RETRYABLE_ERROR } from "./errors.js";

const awsError = (name: string, fields: Record<string, unknown>) =>
  Object.assign(new Error(name), { name, ...fields });

describe("isRetryable", () => {
  it("retries what may pass: Zoom 429/5xx or unreachable, a failed transfer, AWS throttling and 5xx", () => {
    expect(isRetryable(new ZoomApiError("Zoom answered 503", { status: 503 }))).toBe(true);
    expect(
      isRetryable(new ZoomApiError("rate limited", { status: 429, code: ErrorCode.ZOOM_RATE_LIMITED })),
    ).toBe(true);
    expect(isRetryable(new ZoomApiError("Zoom could not be reached"))).toBe(true);
    expect(isRetryable(new TransferError("GET answered 500"))).toBe(true);
    const throttled = awsError("ThrottlingException", {
      $fault: "client",
      $metadata: { httpStatusCode: 400 },
    });
    expect(isRetryable(new BackendError(ErrorCode.INDEX_FAILED, "put failed", { cause: throttled }))).toBe(
      true,
    );
    expect(
      isRetryable(awsError("InternalError", { $fault: "server", $metadata: { httpStatusCode: 500 } })),
    ).toBe(true);
    expect(isRetryable(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toBe(true);
  });

  it("fails fast on what another try cannot fix", () => {
    expect(isRetryable(new ZoomApiError("no such meeting", { status: 404 }))).toBe(false);
    expect(isRetryable(new ConfigError("zoom.accounts.default", "No Zoom account is configured"))).toBe(
      false,
    );
    expect(isRetryable(new DownloadRefused("host not allowed"))).toBe(false);
    expect(
      isRetryable(new IngestFailed("id", [{ key: "id/a.mp4", message: "the file was not stored" }])),
    ).toBe(false);
    const denied = awsError("AccessDenied", { $fault: "client", $metadata: { httpStatusCode: 403 } });
    expect(isRetryable(new BackendError(ErrorCode.STORE_FAILED, "put failed", { cause: denied }))).toBe(
      false,
    );
    expect(isRetryable(new TypeError("x is undefined"))).toBe(false);
    expect(isRetryable("a string")).toBe(false);
  });
});

describe("HandlerError", () => {
  it("names the error for Step Functions' Retry and keeps the zrec code and message", () => {
    const retryable = new HandlerError(new ZoomApiError("Zoom answered 502", { status: 502 }));
    expect(retryable.name).toBe(RETRYABLE_ERROR);
    expect(retryable.message).toBe("ZOOM_API: Zoom answered 502");
    const failed = new HandlerError(new ConfigError("index.type", "bad index"));
    expect(failed.name).toBe(FAILED_ERROR);
    expect(failed.message).toBe("CONFIG_INVALID: bad index");
    expect(failed.cause).toBeInstanceOf(ConfigError);
  });
});
