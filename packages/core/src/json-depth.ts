/**
 * How deep a parsed JSON value nests. JSON.parse reads any depth, but JSON.stringify (and so every store
 * write of the value) recurses and overflows the stack at a few thousand levels: input that would be
 * written back is checked first. A leaf module: it imports nothing of the project.
 */

/** Deeper than anything Zoom sends (about 6 levels) or a recording document holds (about 4). */
export const MAX_JSON_DEPTH = 100;

/**
 * Whether `value` has objects or arrays nested more than `limit` levels. Iterative, so it cannot
 * overflow the stack itself; stops at the first level too deep.
 *
 * @example
 * nestedDeeperThan({ a: { b: [1] } }, 2); // true: the array is at level 3
 * nestedDeeperThan(JSON.parse(text), MAX_JSON_DEPTH); // false for any real webhook body
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
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
