/** Laying a configuration file over the embedded default. */
import { isObject } from "../validation/is-object.js";
import type { Config } from "./types.js";

/** Blocks chosen by `type`: a block of another type shares no keys with the default, so it replaces it. */
const TAGGED = new Set(["storage", "index", "notify"]);

/**
 * The configuration is at most four levels deep (`zoom.accounts.NAME.webhookSecretToken`); below that,
 * values are copied as they are and the schema judges them.
 */
const MAX_DEPTH = 4;

/**
 * `raw` over `defaults`: objects merge key by key, arrays and scalars replace, `undefined` means "not
 * given" down to the deepest key a configuration has (a JS configuration's `region: process.env.X` with
 * X unset is left out, not handed to the schema as a value). Recursion stops there, so a deeply nested
 * value under any key costs nothing here; the schema reports it. Neither argument is modified.
 */
export function mergeOverDefaults(raw: Record<string, unknown>, defaults: Config): Record<string, unknown> {
  return mergeObjects(defaults as unknown as Record<string, unknown>, raw, 0);
}

function mergeObjects(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
  depth: number,
): Record<string, unknown> {
  // Entries and fromEntries define own properties, so a "__proto__" key in a file stays a plain key
  // (which the schema then reports as unknown) instead of replacing the prototype.
  const merged = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = merged.get(key);
    if (isObject(value) && depth + 1 < MAX_DEPTH) {
      const replaces =
        depth === 0 &&
        TAGGED.has(key) &&
        isObject(current) &&
        value.type !== undefined &&
        value.type !== current.type;
      merged.set(key, mergeObjects(isObject(current) && !replaces ? current : {}, value, depth + 1));
    } else {
      merged.set(key, value);
    }
  }
  return Object.fromEntries(merged);
}
