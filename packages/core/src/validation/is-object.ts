/**
 * The one "is this a JSON object?" test of the codebase, for the few hand checks left beside the schemas
 * (dispatching on a field before validating, merging configuration blocks). A leaf module: it imports
 * nothing of the project.
 */

/**
 * True for a plain object: what `JSON.parse` gives for `{…}`, or an object literal. Lists, null and
 * class instances (a Map or a Date in a JS configuration file) are not: merging or reading fields of
 * those would quietly see nothing.
 *
 * @example
 * const plainToken = isObject(body.payload) ? body.payload.plainToken : undefined;
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
