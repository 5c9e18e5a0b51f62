import { describe, expect, it } from "vitest";
import { createOutput, escapeControl, formatBytes, formatTable, printJson } from "./output.js";

function streams() {
  const written = { stdout: "", stderr: "" };
  return {
    written,
    stdout: { write: (text: string) => (written.stdout += text) },
    stderr: { write: (text: string) => (written.stderr += text) },
  };
}

describe("createOutput", () => {
  /** What a line and a warning write under these global options. */
  function lineAndWarning(options: { json: boolean; quiet: boolean }, warning: string) {
    const s = streams();
    const out = createOutput(options, s);
    out.line("hello");
    out.warn(warning);
    return s.written;
  }

  it("prints human lines and warnings normally", () => {
    expect(lineAndWarning({ json: false, quiet: false }, "the parent meeting is gone")).toEqual({
      stdout: "hello\n",
      stderr: "zrec: warning: the parent meeting is gone\n",
    });
  });

  it("keeps stdout for JSON with --json, and silences everything human with --quiet", () => {
    expect(lineAndWarning({ json: true, quiet: false }, "careful").stdout).toBe("");
    expect(lineAndWarning({ json: false, quiet: true }, "careful")).toEqual({ stdout: "", stderr: "" });
  });

  it("prints JSON pretty, ending in a newline", () => {
    const s = streams();
    printJson({ a: [1] }, s);
    expect(s.written.stdout).toBe('{\n  "a": [\n    1\n  ]\n}\n');
  });
});

describe("formatTable", () => {
  it("aligns columns and leaves no trailing spaces", () => {
    const table = formatTable(
      ["id", "organization", "files"],
      [
        ["a", "OLF", "3"],
        ["bbbb", "Café", "12"],
      ],
    );
    expect(table.split("\n")).toEqual([
      "id    organization  files",
      "a     OLF           3",
      "bbbb  Café          12",
    ]);
  });
});

describe("formatBytes", () => {
  it("uses binary units with one decimal", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(20_000)).toBe("19.5 KiB");
    expect(formatBytes(105 * 1024 * 1024 + 777)).toBe("105.0 MiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
  });
});

describe("control characters in human output", () => {
  const hostile = "T\u001b]0;x\u0007\u001b[2J\r\nzrec: 0 failed\u009b\u007f";
  it("escapes them in lines, warnings and table cells; a cell cannot start a new line", () => {
    const s = streams();
    const out = createOutput({ json: false, quiet: false }, s);
    out.line(`topic ${hostile}`);
    out.warn(hostile);
    out.line(formatTable(["topic"], [[hostile]]));
    const all = s.written.stdout + s.written.stderr;
    expect(escapeControl(all, "\n")).toBe(all);
    expect(s.written.stdout.split("\n")).toEqual([
      "topic T\\x1b]0;x\\x07\\x1b[2J\\r",
      "zrec: 0 failed\\x9b\\x7f",
      "topic",
      "T\\x1b]0;x\\x07\\x1b[2J\\r\\nzrec: 0 failed\\x9b\\x7f",
      "",
    ]);
    expect(escapeControl("a\tb\nc")).toBe("a\\tb\\nc");
  });

  it("leaves --json exact", () => {
    const s = streams();
    printJson({ topic: hostile }, s);
    expect(JSON.parse(s.written.stdout)).toEqual({ topic: hostile });
  });
});
