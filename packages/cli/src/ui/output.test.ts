import { describe, expect, it } from "vitest";
import { createOutput, formatBytes, formatTable, printJson } from "./output.js";

function streams() {
  const written = { stdout: "", stderr: "" };
  return {
    written,
    stdout: { write: (text: string) => (written.stdout += text) },
    stderr: { write: (text: string) => (written.stderr += text) },
  };
}

describe("createOutput", () => {
  it("prints human lines and warnings normally", () => {
    const s = streams();
    const out = createOutput({ json: false, quiet: false }, s);
    out.line("hello");
    out.warn("the parent meeting is gone");
    expect(s.written).toEqual({ stdout: "hello\n", stderr: "zrec: warning: the parent meeting is gone\n" });
  });

  it("keeps stdout for JSON with --json, and silences everything human with --quiet", () => {
    const json = streams();
    createOutput({ json: true, quiet: false }, json).line("hello");
    expect(json.written.stdout).toBe("");
    const quiet = streams();
    const out = createOutput({ json: false, quiet: true }, quiet);
    out.line("hello");
    out.warn("careful");
    expect(quiet.written).toEqual({ stdout: "", stderr: "" });
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
