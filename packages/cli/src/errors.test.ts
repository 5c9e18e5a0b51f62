import { BackendError, ConfigError, ErrorCode, IngestFailed, InputError, NotFoundError } from "@zrec/core";
import { describe, expect, it } from "vitest";
import { handleError, Interrupted, PartialFailure, SilentExit, UsageError } from "./errors.js";

function run(error: unknown, options: { verbose?: boolean; json?: boolean } = {}) {
  let stdout = "";
  let stderr = "";
  const code = handleError(
    error,
    { verbose: options.verbose ?? false, json: options.json ?? false },
    { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) },
  );
  return { code, stdout, stderr };
}

describe("handleError", () => {
  it("reports a partial failure on stderr, each failed item first, and leaves stdout to the report", () => {
    const failure = new PartialFailure("2 of 14 documents are bad.", {
      details: ["a/recording_document.json is not valid JSON.", "b: \u001b[2J"],
      suggestion: "Fix them and run it again.",
    });
    expect(run(failure, { json: true })).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "zrec: a/recording_document.json is not valid JSON.\nzrec: b: \\x1b[2J\n" +
        "zrec: 2 of 14 documents are bad.\n  Fix them and run it again.\n",
    });
    expect(failure.code).toBe("PARTIAL_FAILURE");
  });

  it("prints bad input as one sentence plus its suggestion and exits 2", () => {
    const result = run(new InputError("webhook.json does not exist.", { suggestion: "Check the path." }));
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: "zrec: webhook.json does not exist.\n  Check the path.\n",
    });
  });

  it("exits 2 for config errors, unknown ids and usage errors", () => {
    expect(
      run(new ConfigError("ingest.partSize", "zrec.config.json: unknown key ingest.partSize")).code,
    ).toBe(2);
    expect(run(new NotFoundError("Recording x is not in the index.")).code).toBe(2);
    expect(run(new UsageError("unknown option '--jsn'")).code).toBe(2);
  });

  it("exits 1 for failures that are not the input's fault", () => {
    expect(run(new BackendError(ErrorCode.STORE_FAILED, "folder ./zrec-data: disk full")).code).toBe(1);
    const failed = run(
      new IngestFailed("0a7203ad-04ac-45d8-bd6d-6a778f226c65", [{ key: "a.mp4", message: "HTTP 500" }]),
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split("\n")).toHaveLength(2);
    expect(failed.stderr).toMatch(
      /^zrec: Ingest of recording .* a\.mp4: HTTP 500\n {2}Run the same ingest again/,
    );
  });

  it("reports anything else in one line, exit 1, stack only with --verbose", () => {
    const error = new TypeError("x is not a function");
    expect(run(error)).toEqual({ code: 1, stdout: "", stderr: "zrec: x is not a function\n" });
    const verbose = run(error, { verbose: true });
    expect(verbose.stderr).toContain("TypeError: x is not a function\n    at ");
    expect(run("a thrown string").stderr).toBe("zrec: a thrown string\n");
  });

  it("shows causes with --verbose", () => {
    const error = new InputError("outer", { cause: new Error("inner") });
    expect(run(error, { verbose: true }).stderr).toMatch(/Caused by: Error: inner/);
  });

  it("also prints the error as JSON on stdout with --json", () => {
    const result = run(new InputError("webhook.json is not JSON: it ends early."), { json: true });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { code: "INPUT_INVALID", message: "webhook.json is not JSON: it ends early." },
    });
    expect(result.stderr).toBe("zrec: webhook.json is not JSON: it ends early.\n");
    expect(JSON.parse(run(new Error("boom"), { json: true }).stdout).error.code).toBe("UNEXPECTED");
  });

  it("ends quietly for help and version, and with 130 when interrupted", () => {
    expect(run(new SilentExit(0))).toEqual({ code: 0, stdout: "", stderr: "" });
    const abort = new Error("This operation was aborted");
    abort.name = "AbortError";
    expect(run(abort)).toEqual({ code: 130, stdout: "", stderr: "zrec: Interrupted.\n" });
  });
});

describe("handleError for an interrupted command", () => {
  it("exits 130 with what to do next, and the stopped work's error only with --verbose", () => {
    const error = new Interrupted("the ingest", {
      cause: new Error("the copy was aborted"),
      suggestion: "Run it again.",
    });
    expect(run(error)).toEqual({
      code: 130,
      stdout: "",
      stderr: "zrec: Interrupted before the ingest finished.\n  Run it again.\n",
    });
    expect(run(error, { verbose: true }).stderr).toContain("Caused by: Error: the copy was aborted");
  });
});
