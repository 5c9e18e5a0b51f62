/**
 * Options of the directly invoked and scheduled handlers. A schedule without an Input sends
 * EventBridge's own event, so keys other than the handler's are ignored; a known key of the wrong type
 * is an InputError naming it.
 */
import { InputError, isObject } from "@zrec/core/webhook";

export type Options = Record<string, unknown>;

export function optionsOf(input: unknown, handler: string): Options {
  if (input === undefined || input === null) return {};
  if (!isObject(input)) {
    throw new InputError(
      `${handler} takes a JSON object of options, not ${Array.isArray(input) ? "a list" : `a ${typeof input}`}.`,
    );
  }
  return input;
}

export function booleanOption(options: Options, key: string, fallback: boolean): boolean {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new InputError(`The option "${key}" must be true or false.`);
  return value;
}

export function dateOption(options: Options, key: string, fallback: Date): Date {
  const value = options[key];
  if (value === undefined) return fallback;
  const date = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()))
    throw new InputError(`The option "${key}" must be a date like 2025-01-31.`);
  return date;
}

export function stringListOption(options: Options, key: string): string[] {
  const value = options[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new InputError(`The option "${key}" must be a list of strings.`);
  }
  return value;
}
