import { Help } from "commander";
import { describe, expect, it, vi } from "vitest";
import { COMMANDS, invokedCommand } from "./commands/index.js";
import { SilentExit, UsageError } from "./errors.js";
import { buildProgram, invalidValue } from "./program.js";

/** Parses a command line as `zrec …` would, with commander's own output captured. */
async function parse(...args: string[]) {
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  let error: unknown;
  try {
    await (await buildProgram(args)).parseAsync(args, { from: "user" });
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

  it("says a refused option value as the option, the value and what it is not", async () => {
    expect((await parse("list", "--limit", "ten")).error).toEqual(
      new UsageError('--limit "ten" is not a positive whole number.'),
    );
    expect((await parse("--json", "jobs", "list", "--state", "lost")).error).toMatchObject({
      message: '--state "lost" is not one of queued, running, done, failed.',
      badInput: true,
    });
    expect((await parse("serve", "--port", "80000")).error).toMatchObject({
      message: '--port "80000" is not a whole number from 0 to 65535.',
    });
    expect(invalidValue("option '-c, --config <file>' argument 'it's' is invalid. is not a file.")).toBe(
      `--config "it's" is not a file.`,
    );
  });

  it("ends help and version quietly with 0, and a bare `zrec` (help on stderr) with 2", async () => {
    const help = await parse("--help");
    expect(help.error).toEqual(new SilentExit(0));
    expect(help.stdout).toContain("Usage: zrec");
    expect(help.stdout).toMatch(/ingest \[options\] \[webhook\.json\]/);
    const version = await parse("--version");
    expect(version.error).toEqual(new SilentExit(0));
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const bare = await parse();
    expect((bare.error as SilentExit).exitCode).toBe(2);
    expect(bare.stderr).toContain("Usage: zrec");
  });

  it("with --json, a missing command is a usage error for stdout, and no help is printed", async () => {
    const bare = await parse("--json");
    expect(bare.error).toEqual(
      new UsageError("zrec needs a command.", 'Run "zrec --help" to see how it is used.'),
    );
    expect(bare.stderr).toBe("");
    for (const args of [
      ["--json", "jobs"],
      ["jobs", "--json"],
    ]) {
      const group = await parse(...args);
      expect(group.error, args.join(" ")).toEqual(
        new UsageError(
          "zrec jobs needs a subcommand (list or retry).",
          'Run "zrec jobs --help" to see how it is used.',
        ),
      );
      expect(group.stderr).toBe("");
    }
    expect((await parse("--json", "site")).error).toMatchObject({
      message: "zrec site needs a subcommand (build or serve).",
      code: "USAGE",
    });
    // Without --json the help is what a person gets, on stderr.
    const human = await parse("jobs");
    expect((human.error as SilentExit).exitCode).toBe(2);
    expect(human.stderr).toContain("Usage: zrec jobs");
  });

  it("shows the global options in a command's help", async () => {
    const { stdout } = await parse("list", "--help");
    expect(stdout).toContain("--organization <name>");
    expect(stdout).toContain("Global Options:");
    expect(stdout).toContain("--json");
    expect(stdout).toContain("list archived recordings, newest first");
    expect((await parse("help", "jobs")).stdout).toMatch(/list \[options\] +list jobs, newest first/);
  });
});

describe("commands loaded when invoked", () => {
  it("lists each command in `zrec --help` exactly as its module defines it", async () => {
    const help = new Help();
    for (const entry of COMMANDS) {
      const command = (await entry.load())();
      expect(help.subcommandTerm(command), entry.name).toBe(entry.term);
      expect(command.name()).toBe(entry.name);
      // The table's line is the one description: a module that sets its own would be shadowed.
      expect(command.description(), entry.name).toBe("");
    }
  });

  it("defines only the invoked command, found the way commander finds it", async () => {
    const cases: [string[], string | undefined][] = [
      [["list", "--limit", "2"], "list"],
      [["--json", "get", "x"], "get"],
      [["--config", "list", "get", "x"], "get"],
      [["-qc", "list", "get"], "get"],
      [["--profile", "p", "jobs", "list"], "jobs"],
      [["help", "list"], "list"],
      [["help"], undefined],
      [["--help"], undefined],
      [["lsit"], undefined],
      [["get", "list"], "get"],
    ];
    for (const [args, name] of cases) expect(invokedCommand(args)?.name, args.join(" ")).toBe(name);

    const program = await buildProgram(["get", "x"]);
    const defined = program.commands.filter((command) => command.registeredArguments.length > 0);
    expect(defined.map((command) => command.name())).toEqual(["get"]);
  });
});
