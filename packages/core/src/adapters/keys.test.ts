import { describe, expect, it } from "vitest";
import { sortByKeyBytes } from "./keys.js";

const byBytes = (keys: string[]) => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe("sortByKeyBytes", () => {
  it("sorts as S3 lists: by UTF-8 bytes, with or without characters outside the BMP", () => {
    const plain = ["a/", "a-c/", "b", "A", "é/", "\uE000", "\uFFFD", "z~", "0a72/", "Ω"];
    expect(sortByKeyBytes(plain, (key) => key)).toEqual(byBytes(plain));
    // A surrogate pair (U+1F600) sorts above U+E000–U+FFFF as bytes, below them as UTF-16.
    const astral = [...plain, "\u{1F600}", "a\u{1F600}/"];
    expect(sortByKeyBytes(astral, (key) => key)).toEqual(byBytes(astral));
    expect(astral.toSorted()).not.toEqual(byBytes(astral));
  });

  it("sorts the items by the key it is given, leaving the items as they are", () => {
    const items = [
      { name: "a", dir: true },
      { name: "a-c", dir: false },
    ];
    expect(sortByKeyBytes(items, (item) => (item.dir ? `${item.name}/` : item.name))).toEqual([
      { name: "a-c", dir: false },
      { name: "a", dir: true },
    ]);
  });
});
