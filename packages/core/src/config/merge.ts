/** Laying a configuration file over the embedded default. */
import { isObject } from "../validation/is-object.js";
import type { Config } from "./types.js";

/** Blocks chosen by `type`: a block of another type shares no keys with the default, so it replaces it. */
const TAGGED = new Set(["storage", "index", "notify"]);

/**
 * `raw` over `defaults`: objects merge key by key, arrays and scalars replace, `undefined` means "not
 * given". Recursion follows the default's shape only, so a deeply nested value under any key costs
 * nothing here; the schema reports it. Neither argument is modified.
 */
export function mergeOverDefaults(raw: Record<string, unknown>, defaults: Config): Record<string, unknown> {
  return mergeObjects(defaults as unknown as Record<string, unknown>, raw, true);
}

function mergeObjects(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
  topLevel: boolean,
): Record<string, unknown> {
  // Entries and fromEntries define own properties, so a "__proto__" key in a file stays a plain key
  // (which the schema then reports as unknown) instead of replacing the prototype.
  const merged = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = merged.get(key);
    if (isObject(current) && isObject(value)) {
      const replaces = topLevel && TAGGED.has(key) && value.type !== undefined && value.type !== current.type;
      merged.set(key, replaces ? value : mergeObjects(current, value, false));
    } else {
      merged.set(key, value);
    }
  }
  return Object.fromEntries(merged);
}
