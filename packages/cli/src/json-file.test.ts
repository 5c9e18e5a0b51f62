import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonProblem, readJsonFile } from "./json-file.js";

const SECRET = "tok3n-abcdefghijklmnop";

function problemOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return jsonProblem(error, text);
  }
  throw new Error("parsed");
}

describe("jsonProblem", () => {
  it("says where, in lines and columns, without quoting the text", () => {
    const text = `{\n  "download_token": "${SECRET}"\n  "x": 1\n}`;
    const problem = problemOf(text);
    expect(problem).toMatch(/line 3, column 3$/);
    expect(problem).not.toContain(SECRET);
  });

  it("drops V8's quote of the text around an unexpected token", () => {
    for (const text of [`{"a": ${SECRET}}`, `${SECRET}`, `{"download_token": "${SECRET}"}}`]) {
      const problem = problemOf(text);
      expect(problem).not.toContain(SECRET.slice(0, 8));
      expect(problem).not.toContain('"');
    }
  });

  it("leaves no dangling comma when V8 cuts its quote of a long text short", () => {
    const problem = problemOf(`hello, this is a long text and not JSON at all ${SECRET}`);
    expect(problem).toBe("Unexpected token 'h'");
  });

  it("names an early end in words", () => {
    expect(problemOf('{"a": ')).toBe("it ends before the JSON value is complete");
  });
});

describe("readJsonFile", () => {
  it("parses a file and tolerates a byte-order mark", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "zrec-json-"));
    await writeFile(path.join(dir, "a.json"), '\uFEFF{"a": 1}');
    expect(await readJsonFile("a.json", dir)).toEqual({ a: 1 });
  });

  it("names the file as given when it is missing, a folder or not JSON", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "zrec-json-"));
    await writeFile(path.join(dir, "webhook.json"), `{"download_token": "${SECRET}",}`);
    await expect(readJsonFile("nope.json", dir)).rejects.toMatchObject({
      message: "nope.json does not exist.",
      badInput: true,
    });
    await expect(readJsonFile(".", dir)).rejects.toThrow(/is a folder/);
    const error = await readJsonFile("webhook.json", dir).catch((e: Error) => e);
    expect(error).toMatchObject({ code: "INPUT_INVALID" });
    expect((error as Error).message).toMatch(/^webhook\.json is not JSON: .*line 1, column \d+\.$/);
    expect((error as Error).message).not.toContain(SECRET);
  });
});
