import { describe, expect, it, vi } from "vitest";
import { SilentExit, UsageError } from "./errors.js";
import { buildProgram } from "./program.js";

/** Parses a command line as `zrec …` would, with commander's own output captured. */
async function parse(...args: string[]) {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  let error: unknown;
  try {
    await buildProgram().parseAsync(["node", "zrec", ...args]);
  } catch (thrown) {
    error = thrown;
  }
  const written = { error, stdout: out.mock.calls.join(""), stderr: err.mock.calls.join("") };
  out.mockRestore();
  err.mockRestore();
  return written;
}

describe("the zrec program", () => {
  it("turns an unknown command into a usage error with commander's hint, printing nothing itself", async () => {
    const { error, stderr } = await parse("lsit");
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      message: "unknown command 'lsit'",
      suggestion: "Did you mean list?",
      badInput: true,
    });
    expect(stderr).toBe("");
  });

  it("reports a missing argument and an unknown option, pointing at the command's help", async () => {
    expect((await parse("get")).error).toMatchObject({
      message: "missing required argument 'recording-id'",
      suggestion: 'Run "zrec get --help" to see how it is used.',
    });
    // `ingest` takes a webhook file or --uuid: neither is a usage error of its own.
    expect((await parse("ingest")).error).toMatchObject({
      message: expect.stringMatching(/either a webhook file or --uuid/),
      badInput: true,
    });
    expect((await parse("get", "x", "--frobnicate")).error).toMatchObject({
      message: "unknown option '--frobnicate'",
    });
  });

  it("ends help and version quietly with 0, and a bare `zrec` (help on stderr) with 2", async () => {
    const help = await parse("--help");
    expect(help.error).toEqual(new SilentExit(0));
    expect(help.stdout).toContain("Usage: zrec");
    expect(help.stdout).toMatch(/ingest (\[options\] )?\[webhook\.json\]/);
    const version = await parse("--version");
    expect(version.error).toEqual(new SilentExit(0));
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const bare = await parse();
    expect((bare.error as SilentExit).exitCode).toBe(2);
    expect(bare.stderr).toContain("Usage: zrec");
  });

  it("shows the global options in a command's help", async () => {
    const { stdout } = await parse("list", "--help");
    expect(stdout).toContain("--organization <name>");
    expect(stdout).toContain("Global Options:");
    expect(stdout).toContain("--json");
  });
});
