/**
 * Turns zod's issues into the one sentence a user reads: the file, the dotted key, what the key wants
 * and what it got. Secret values are described by their kind only, never echoed.
 */

import { ConfigError } from "../errors.js";
import { ACCOUNT_ENV } from "./env.js";
import { isPlainObject } from "./merge.js";
import { configSchema } from "./schema.js";
import { isSecretPath } from "./secrets.js";
import * as z from "./zod.js";

type Path = readonly PropertyKey[];
interface Problem {
  key: string;
  message: string;
  suggestion?: string;
}

/** Keys and strings from a file may be any length; a message quotes at most this much of one. */
const QUOTE_LIMIT = 60;

export const dotted = (path: Path): string => path.map(String).join(".");

function quote(text: string): string {
  return JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text);
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describe(value: unknown, secret: boolean): string {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    return value.length === 0
      ? "an empty list"
      : `a list of ${value.length} entr${value.length === 1 ? "y" : "ies"}`;
  }
  switch (typeof value) {
    case "string":
      if (value === "") return "an empty string";
      return secret ? "a string" : quote(value);
    case "number":
    case "boolean":
      return secret ? `a ${typeof value}` : String(value);
    case "object":
      return "an object";
    case "undefined":
      return "missing";
    default:
      return `a ${typeof value}`;
  }
}

/** Levenshtein distance, two rows at a time. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known key a typo most likely meant: same letters in another case, a near spelling, or a part of it. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  if (key.length > 64) return undefined;
  const wanted = key.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const lower = candidate.toLowerCase();
    const score = distance(wanted, lower);
    const overlaps =
      Math.min(wanted.length, lower.length) >= 3 && (lower.includes(wanted) || wanted.includes(lower));
    const near = score <= Math.max(1, Math.floor(wanted.length / 3));
    if ((near || overlaps) && score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** Steps through pipes, defaults and optionals, and into the union member the value's `type` picks. */
function unwrap(schema: unknown, value: unknown): unknown {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodPipe) current = current.out;
    else if (current instanceof z.ZodDefault || current instanceof z.ZodOptional) current = current.unwrap();
    else if (current instanceof z.ZodDiscriminatedUnion) {
      const type = isPlainObject(value) ? value.type : undefined;
      return (current.options as z.ZodObject[]).find((option) => {
        const literal = option.shape.type;
        return literal instanceof z.ZodLiteral && literal.values.has(type as never);
      });
    } else return current;
  }
}

/** The keys the schema knows for the object at `path`, for "did you mean". */
function knownKeysAt(path: Path, candidate: unknown): string[] {
  let schema: unknown = configSchema;
  for (let i = 0; i <= path.length; i++) {
    schema = unwrap(schema, valueAt(candidate, path.slice(0, i)));
    const key = path[i];
    if (key === undefined) break;
    if (schema instanceof z.ZodObject) schema = schema.shape[String(key)];
    else if (schema instanceof z.ZodRecord) schema = schema.valueType;
    else if (schema instanceof z.ZodArray) schema = schema.element;
    else return [];
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unknownKey(path: Path, key: string, candidate: unknown): Problem {
  const known = knownKeysAt(path, candidate);
  const guess = closestKey(key, known);
  const full = dotted([...path, key]);
  return {
    key: full,
    message: `unknown key ${quote(full)}${guess === undefined ? "" : ` (did you mean "${guess}"?)`}`,
    ...(known.length > 0 && { suggestion: `Keys known here: ${known.join(", ")}.` }),
  };
}

function requiredContext(path: Path, candidate: unknown): string {
  const [block, field] = path;
  if (path.length === 2 && (block === "storage" || block === "index" || block === "notify")) {
    const type = valueAt(candidate, [block, "type"]);
    if (typeof type === "string") return ` when ${block}.type is ${quote(type)}`;
  }
  if (path.length === 4 && block === "zoom" && field === "accounts" && path[2] === "default") {
    const variable = ACCOUNT_ENV.find(([name]) => name === path[3])?.[1];
    if (variable) return ` (in the file or as the environment variable ${variable})`;
  }
  return "";
}

function problemOf(issue: z.core.$ZodIssue, candidate: unknown): Problem {
  const key = dotted(issue.path);
  const value = valueAt(candidate, issue.path);
  if (issue.code === "invalid_key") {
    const name = String(issue.path.at(-1));
    return {
      key,
      message: `${dotted(issue.path.slice(0, -1))} has an entry named ${quote(name)}, but names must be 1 to 64 letters, digits, "-" or "_"`,
    };
  }
  if (value === undefined && (issue.code === "invalid_type" || issue.code === "invalid_union")) {
    return { key, message: `${key} is required${requiredContext(issue.path, candidate)}` };
  }
  return {
    key,
    message: `${key} must be ${issue.message}, not ${describe(value, isSecretPath(issue.path))}`,
  };
}

/**
 * One ConfigError for all of zod's issues: the first problem, plus how many more. Unknown keys come
 * first, as a misspelt key is the likeliest cause of the other complaints.
 */
export function configErrorFrom(
  issues: readonly z.core.$ZodIssue[],
  candidate: unknown,
  source: string,
): ConfigError {
  let count = 0;
  let firstUnknown: Problem | undefined;
  let firstOther: z.core.$ZodIssue | undefined;
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      count += issue.keys.length;
      const key = issue.keys[0];
      if (!firstUnknown && key !== undefined) firstUnknown = unknownKey(issue.path, key, candidate);
    } else {
      count += 1;
      firstOther ??= issue;
    }
  }
  const first = firstUnknown ?? (firstOther ? problemOf(firstOther, candidate) : undefined);
  if (!first) return new ConfigError("", `${source}: is not a valid configuration`);
  const more = count - 1;
  const tail = more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"})` : "";
  return new ConfigError(first.key, `${source}: ${first.message}${tail}`, {
    ...(first.suggestion !== undefined && { suggestion: first.suggestion }),
  });
}
