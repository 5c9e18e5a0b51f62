/**
 * The configuration's wording of a validation problem (validation/issues.ts finds it): the file, the
 * dotted key, what the key wants and what it got, with "did you mean" for a misspelt key. Values are
 * shown, as they help find the line, except under secret keys, which are described by their kind only.
 */

import { ConfigError } from "../errors.js";
import { closestName } from "../validation/closest.js";
import { isObject } from "../validation/is-object.js";
import { dotted, firstProblem, type IssuePath, type Problem, quote, valueAt } from "../validation/issues.js";
import { ACCOUNT_ENV } from "./env.js";
import { configSchema } from "./schema.js";
import { isSecretPath } from "./secrets.js";
import * as z from "./zod.js";

interface Sentence {
  key: string;
  message: string;
  suggestion?: string;
}

/** Steps through pipes, defaults and optionals, and into the union member the value's `type` picks. */
function unwrap(schema: unknown, value: unknown): unknown {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodPipe) current = current.out;
    else if (current instanceof z.ZodDefault || current instanceof z.ZodOptional) current = current.unwrap();
    else if (current instanceof z.ZodDiscriminatedUnion) {
      const type = isObject(value) ? value.type : undefined;
      return (current.options as z.ZodObject[]).find((option) => {
        const literal = option.shape.type;
        return literal instanceof z.ZodLiteral && literal.values.has(type as never);
      });
    } else return current;
  }
}

/** The keys the schema knows for the object at `path`, for "did you mean". */
function knownKeysAt(path: IssuePath, candidate: unknown): string[] {
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

function unknownKey(path: IssuePath, key: string, candidate: unknown): Sentence {
  const known = knownKeysAt(path, candidate);
  const guess = closestName(key, known);
  const full = dotted([...path, key]);
  return {
    key: full,
    message: `unknown key ${quote(full)}${guess === undefined ? "" : ` (did you mean "${guess}"?)`}`,
    ...(known.length > 0 && { suggestion: `Keys known here: ${known.join(", ")}.` }),
  };
}

function requiredContext(path: IssuePath, candidate: unknown): string {
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

function sentenceOf(problem: Problem, candidate: unknown): Sentence {
  const { path } = problem;
  const key = dotted(path);
  if (problem.kind === "unknown") return unknownKey(path.slice(0, -1), String(path.at(-1)), candidate);
  if (problem.code === "invalid_key") {
    return {
      key,
      message: `${dotted(path.slice(0, -1))} has an entry named ${quote(String(path.at(-1)))}, but names must be 1 to 64 letters, digits, "-" or "_"`,
    };
  }
  if (problem.kind === "missing") {
    return { key, message: `${key} is required${requiredContext(path, candidate)}` };
  }
  return { key, message: `${key} must be ${problem.expected}, not ${problem.found}` };
}

/** One ConfigError for all of zod's issues: the first problem, plus how many more. */
export function configErrorFrom(
  issues: readonly z.core.$ZodIssue[],
  candidate: unknown,
  source: string,
): ConfigError {
  const first = firstProblem(issues, candidate, { showValueAt: (path) => !isSecretPath(path) });
  if (!first) return new ConfigError("", `${source}: is not a valid configuration`);
  const { key, message, suggestion } = sentenceOf(first.problem, candidate);
  const more = first.count - 1;
  const tail = more > 0 ? ` (and ${more} more problem${more === 1 ? "" : "s"})` : "";
  return new ConfigError(key, `${source}: ${message}${tail}`, {
    ...(suggestion !== undefined && { suggestion }),
  });
}
