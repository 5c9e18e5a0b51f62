/**
 * How deep a parsed JSON value nests. JSON.parse reads any depth, but JSON.stringify (and so every store
 * write of the value) recurses and overflows the stack at a few thousand levels: input that would be
 * written back is checked first. A leaf module: it imports nothing of the project.
 */

/** Deeper than anything Zoom sends (about 6 levels) or a recording document holds (about 4). */
export const MAX_JSON_DEPTH = 100;

/**
 * Whether `value` has objects or arrays nested more than `limit` levels. Stops at the first level too
 * deep, so it cannot overflow the stack itself, whatever the value's depth.
 *
 * @example
 * nestedDeeperThan({ a: { b: [1] } }, 2); // true: the array is at level 3
 * nestedDeeperThan(JSON.parse(text), MAX_JSON_DEPTH); // false for any real webhook body
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  // Recursion goes at most `limit` + 1 calls deep: safe for limits like MAX_JSON_DEPTH, and it
  // allocates nothing (rebuild-db checks every document of an archive: 10,000 took 23-39 ms this way,
  // 67-97 ms with a stack of [node, depth] pairs). A huge limit gets the explicit stack.
  return limit <= RECURSION_LIMIT ? deeperThan(value, 1, limit) : deeperThanByStack(value, limit);
}

const RECURSION_LIMIT = 1_000;

function deeperThan(node: unknown, depth: number, limit: number): boolean {
  if (typeof node !== "object" || node === null) return false;
  if (depth > limit) return true;
  if (Array.isArray(node)) {
    for (const child of node) if (deeperThan(child, depth + 1, limit)) return true;
    return false;
  }
  // Own enumerable keys, as Object.values would give, without the array it makes.
  for (const key in node) {
    if (Object.hasOwn(node, key) && deeperThan((node as Record<string, unknown>)[key], depth + 1, limit)) {
      return true;
    }
  }
  return false;
}

function deeperThanByStack(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== "object" || node === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
