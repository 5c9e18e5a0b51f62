import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "./json-depth.js";

const deep = (depth: number) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`);

describe("nestedDeeperThan", () => {
  it("counts objects and arrays, not scalars", () => {
    expect(nestedDeeperThan(1, 0)).toBe(false);
    expect(nestedDeeperThan("text", 0)).toBe(false);
    expect(nestedDeeperThan({}, 1)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
    expect(nestedDeeperThan({ a: { b: [1] } }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: { b: [1] } }, 2)).toBe(true);
    expect(nestedDeeperThan({ a: 1, b: [{ c: null }] }, 3)).toBe(false);
  });

  it("walks 100,000 levels without overflowing the stack, where JSON.stringify cannot", () => {
    const value = deep(100_000);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    expect(nestedDeeperThan(value, MAX_JSON_DEPTH)).toBe(true);
    expect(nestedDeeperThan(deep(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestedDeeperThan(deep(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });

  it("counts own fields only, and answers alike for small limits and for huge ones", () => {
    const inherits = Object.assign(Object.create({ up: deep(6) }), { own: [1] });
    const values = [deep(5), { a: [{ b: {} }], c: 1 }, [[], [[[]]]], inherits];
    for (const value of values) {
      for (const limit of [0, 1, 2, 3, 4, 5, 6]) {
        expect(nestedDeeperThan(value, limit), `${JSON.stringify(value)} ${limit}`).toBe(
          depthOf(value) > limit,
        );
      }
    }
    // Past 1,000 levels it walks with a stack of its own.
    expect(nestedDeeperThan(deep(2_000), 1_500)).toBe(true);
    expect(nestedDeeperThan(deep(1_400), 1_500)).toBe(false);
  });
});

/** The depth of a small value, counted the plain way: own fields, as Object.values gives them. */
function depthOf(node: unknown): number {
  if (typeof node !== "object" || node === null) return 0;
  return 1 + Math.max(0, ...(Array.isArray(node) ? node : Object.values(node)).map(depthOf));
}
