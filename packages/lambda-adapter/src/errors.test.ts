import { BackendError, ConfigError, ErrorCode, ZoomApiError } from "@zrec/core";
import { describe, expect, it } from "vitest";
import { FAILED_ERROR, HandlerError, RETRYABLE_ERROR } from "./errors.js";

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

  it("follows core's verdict through a backend's cause, and fails a bug at once", () => {
    const denied = Object.assign(new Error("Access Denied"), {
      name: "AccessDenied",
      $fault: "client",
      $metadata: { httpStatusCode: 403 },
    });
    const store = new HandlerError(new BackendError(ErrorCode.STORE_FAILED, "put failed", { cause: denied }));
    expect(store.name).toBe(FAILED_ERROR);
    const bug = new HandlerError(new TypeError("x is undefined"));
    expect(bug.name).toBe(FAILED_ERROR);
    expect(bug.message).toBe("TypeError: x is undefined");
    expect(new HandlerError(new Error("socket hang up")).name).toBe(RETRYABLE_ERROR);
  });
});
