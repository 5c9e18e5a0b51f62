/**
 * Turns zod's issues into a problem a sentence can be made of: the path of the field at fault, what the
 * schema wants there and what was found. Every input zrec validates (the configuration, webhook events,
 * recording documents, the Lambda secrets) goes through here, so none of them can echo a value by
 * accident: a value is described by its kind ("a string", "a list of 3 entries") unless the caller names
 * the paths whose values are safe to show. Secrets, passwords and attacker input must not reach logs.
 */
import type { z } from "../config/zod.js";

export type IssuePath = readonly PropertyKey[];

export interface Problem {
  /** The field at fault; `[]` for the input as a whole. */
  path: IssuePath;
  /**
   * `missing`: absent; `type`: present but of the wrong kind; `value`: the right kind but not allowed
   * (out of range, not in a list, a failed check); `unknown`: a key a strict object does not know.
   */
  kind: "missing" | "type" | "value" | "unknown";
  /** zod's issue code, for wordings that treat one specially (a record's `invalid_key`). */
  code: z.core.$ZodIssue["code"];
  /**
   * What belongs there: the phrase the schema gave as its `error` ("a number", "one of …"), written to
   * complete "must be …". Empty for an unknown key.
   */
  expected: string;
  /** What is there: its kind, or the value itself (quoted, shortened) where the caller allowed it. */
  found: string;
  /** Whether `found` shows the value rather than only its kind. */
  shown: boolean;
}

export interface FirstProblem {
  problem: Problem;
  /** How many problems there are in all, the first included (each unknown key counts). */
  count: number;
}

export interface ProblemOptions {
  /** Paths whose values are no secret and may be quoted in a message. Default: none. */
  showValueAt?: (path: IssuePath) => boolean;
}

/** Keys and strings from a file may be any length; a message quotes at most this much of one. */
const QUOTE_LIMIT = 60;

/**
 * The problem to report first, and how many there are. Unknown keys come first: a misspelt key is the
 * likeliest cause of the other complaints. Undefined when `issues` is empty.
 *
 * @example
 * const result = schema.safeParse(value);
 * if (!result.success) {
 *   const { problem } = firstProblem(result.error.issues, value) ?? {};
 *   // problem: { path: ["payload", "object", "id"], kind: "type", expected: "a number", found: "a string", … }
 * }
 */
export function firstProblem(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  options: ProblemOptions = {},
): FirstProblem | undefined {
  let count = 0;
  let unknown: z.core.$ZodIssue | undefined;
  let other: z.core.$ZodIssue | undefined;
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      count += issue.keys.length;
      if (unknown === undefined && issue.keys.length > 0) unknown = issue;
    } else {
      count += 1;
      other ??= issue;
    }
  }
  if (unknown?.code === "unrecognized_keys") {
    const path = [...unknown.path, unknown.keys[0] as string];
    return {
      problem: { path, kind: "unknown", code: unknown.code, expected: "", found: "", shown: false },
      count,
    };
  }
  if (other === undefined) return undefined;
  const value = valueAt(input, other.path);
  const shown = options.showValueAt?.(other.path) === true;
  return {
    problem: {
      path: other.path,
      kind: kindOfIssue(other, value),
      code: other.code,
      expected: other.message,
      found: shown ? show(value) : kindOf(value),
      shown,
    },
    count,
  };
}

/**
 * The problem in the plain wording of event and secret errors: `"payload.object.id" is a string, not a
 * number`, or `unknown key "ZOOM_CLIENT_SECRTE"`.
 */
export function plainSentence({ path, kind, expected, found }: Problem): string {
  const where = fieldPath(path);
  if (kind === "unknown") return `unknown key ${quote(where)}`;
  return path.length === 0 ? `it is ${found}, not ${expected}` : `"${where}" is ${found}, not ${expected}`;
}

function kindOfIssue(issue: z.core.$ZodIssue, value: unknown): Problem["kind"] {
  const wrongKind = issue.code === "invalid_type" || issue.code === "invalid_union";
  if (value === undefined && (wrongKind || issue.code === "invalid_value")) return "missing";
  return wrongKind ? "type" : "value";
}

/** `zoom.accounts.default.clientId`, lists by index as `organizations.1.match`: the configuration's keys. */
export const dotted = (path: IssuePath): string => path.map(String).join(".");

/** `payload.object.recording_files[0].file_type`: a field of a JSON document, lists by `[index]`. */
export function fieldPath(path: IssuePath): string {
  let text = "";
  for (const key of path) {
    text += typeof key === "number" ? `[${key}]` : `${text === "" ? "" : "."}${String(key)}`;
  }
  return text;
}

/** The value at `path` inside `root`, or undefined where the path leaves what is there. */
export function valueAt(root: unknown, path: IssuePath): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The kind of a value, never the value: it may be a token, a password or anything a stranger sent. */
export function kindOf(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (value === "") return "an empty string";
  if (typeof value === "number" && !Number.isFinite(value)) return "a number that is not finite";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A value that is known to be no secret: strings quoted and shortened, numbers as written, list sizes. */
export function show(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "an empty list";
    return `a list of ${value.length} entr${value.length === 1 ? "y" : "ies"}`;
  }
  if (typeof value === "string" && value !== "") return quote(value);
  if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) {
    return String(value);
  }
  return kindOf(value);
}

/** A string as JSON, cut to a readable length. */
export function quote(text: string): string {
  return JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text);
}
