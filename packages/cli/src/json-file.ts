/**
 * Reading JSON the user hands us (a webhook body, a config file, an edited document). A parse error is
 * described by what is wrong and where, never by quoting the text: a webhook holds a download token, a
 * config file a client secret, and V8's messages quote the text around the fault.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { InputError, messageOf } from "@zrec/core/archive";

/** Line and column (from 1) of a character offset, as editors count them. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `line ${line}, column ${offset - before.lastIndexOf("\n")}`;
}

/**
 * What JSON.parse disliked, without any of the text. Positions become line and column.
 * @example
 * jsonProblem(error, text); // "Expected ',' or '}' after property value at line 3, column 5"
 */
export function jsonProblem(error: unknown, text: string): string {
  const message = messageOf(error).split("\n")[0] ?? "";
  if (/Unexpected end of JSON input/i.test(message)) return "it ends before the JSON value is complete";
  const position = /at position (\d+)/.exec(message);
  let problem = message
    // V8 quotes the start of the text, cut with "..." when long: `Unexpected token 'h', "hello wor"... is not valid JSON`.
    .replace(/,? *".*"(\.\.\.)? is not valid JSON$/, "")
    .replace(/ in JSON at position \d+.*$/, "")
    .replace(/ at position \d+.*$/, "");
  if (position) problem += ` at ${lineAndColumn(text, Number(position[1]))}`;
  // A quote still left means V8 worded it in a way not stripped above; say less rather than leak.
  return problem.includes('"') || problem === "" ? "the text is not valid JSON" : problem;
}

/** JSON.parse that tolerates a byte-order mark (Windows editors write one) and throws jsonProblem's words. */
export function parseJsonText(text: string, describe: (problem: string) => Error): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    // No `cause`: V8's message quotes the text, and --verbose prints causes.
    throw describe(jsonProblem(error, body));
  }
}

/**
 * Reads and parses a JSON file named on the command line; errors name it as the user wrote it.
 * @throws InputError when the file is missing, unreadable or not JSON.
 * @example
 * const event = await readJsonFile("webhook.json", process.cwd());
 */
export async function readJsonFile(file: string, cwd: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError(`${file} does not exist.`, { cause: error });
    if (code === "EISDIR") throw new InputError(`${file} is a folder, not a JSON file.`, { cause: error });
    throw new InputError(`${file} cannot be read: ${messageOf(error)}.`, { cause: error });
  }
  return parseJsonText(text, (problem) => new InputError(`${file} is not JSON: ${problem}.`));
}
