import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isObject } from "./is-object.js";
import { dotted, fieldPath, firstProblem, kindOf, plainSentence, show } from "./issues.js";

const schema = z.strictObject(
  {
    name: z.string({ error: "a string" }),
    count: z.number({ error: "a number" }).min(0, { error: "0 or more" }),
    files: z.array(z.looseObject({ type: z.string({ error: "a string" }) }, { error: "an object" })),
  },
  { error: "an object" },
);

function problemOf(value: unknown, showValueAt?: (path: readonly PropertyKey[]) => boolean) {
  const result = schema.safeParse(value);
  if (result.success) throw new Error("expected the schema to refuse the value");
  const first = firstProblem(result.error.issues, value, showValueAt ? { showValueAt } : {});
  if (first === undefined) throw new Error("expected a problem");
  return first;
}

describe("firstProblem", () => {
  it("names the path, what the schema wants and the kind of what is there, never the value", () => {
    const { problem, count } = problemOf({ name: "n", count: "s3cret-4242", files: [] });
    expect(problem).toMatchObject({ path: ["count"], kind: "type", expected: "a number", found: "a string" });
    expect(count).toBe(1);
    expect(JSON.stringify(problem)).not.toContain("s3cret");
  });

  it("tells a missing field from one of the wrong kind, and a failed check from both", () => {
    expect(problemOf({ count: 1, files: [] }).problem).toMatchObject({ kind: "missing", found: "missing" });
    const negative = problemOf({ name: "n", count: -1, files: [] }).problem;
    expect(negative).toMatchObject({ kind: "value", expected: "0 or more", found: "a number", shown: false });
  });

  it("shows a value only at the paths the caller allows", () => {
    const value = { name: "n", count: -1.5, files: [] };
    const shown = problemOf(value, (path) => path[0] === "count").problem;
    expect(shown).toMatchObject({ found: "-1.5", shown: true });
  });

  it("puts an unknown key first and counts each unknown key", () => {
    const { problem, count } = problemOf({ name: 5, count: 1, files: [], colour: 1, size: 2 });
    expect(problem).toMatchObject({ path: ["colour"], kind: "unknown" });
    expect(count).toBe(3);
  });

  it("is undefined without issues", () => {
    expect(firstProblem([], {})).toBeUndefined();
  });
});

describe("plainSentence", () => {
  it("words a problem with the field's path and no value", () => {
    const value = { name: "n", count: 1, files: [{ type: "x" }, null] };
    expect(plainSentence(problemOf(value).problem)).toBe('"files[1]" is null, not an object');
    expect(plainSentence(problemOf({ name: "n", count: 1, files: [], extra: 1 }).problem)).toBe(
      'unknown key "extra"',
    );
    expect(plainSentence(problemOf(["s3cret"]).problem)).toBe("it is a list, not an object");
  });
});

describe("paths and values in words", () => {
  it("writes a path dotted (configuration keys) or as a field of a document", () => {
    const path = ["payload", "object", "recording_files", 0, "file_type"];
    expect(dotted(path)).toBe("payload.object.recording_files.0.file_type");
    expect(fieldPath(path)).toBe("payload.object.recording_files[0].file_type");
    expect(fieldPath([])).toBe("");
  });

  it("describes a value by its kind, or shows one known to be no secret", () => {
    expect([undefined, null, [], "", "x", 1, Number.NaN, true, {}].map(kindOf)).toEqual([
      "missing",
      "null",
      "a list",
      "an empty string",
      "a string",
      "a number",
      "a number that is not finite",
      "a boolean",
      "an object",
    ]);
    expect([[], [1], [1, 2], "x".repeat(100), 3, false].map(show)).toEqual([
      "an empty list",
      "a list of 1 entry",
      "a list of 2 entries",
      `"${"x".repeat(60)}…"`,
      "3",
      "false",
    ]);
  });
});

describe("isObject", () => {
  it("is true for what JSON.parse gives for {…} and object literals only", () => {
    expect([{}, JSON.parse('{"a":1}'), Object.create(null)].every(isObject)).toBe(true);
    expect([null, [], "x", 1, new Map(), new Date(0), undefined].some(isObject)).toBe(false);
  });
});
