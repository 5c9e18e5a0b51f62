/**
 * Every relative link in the project's Markdown resolves: the file or folder exists, and a `#anchor`
 * names a heading of the target (as GitHub spells heading anchors). Guides move and headings get
 * renamed; a reader should never land on a 404 or at the top of the wrong page.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../", import.meta.url));

function markdownIn(folder: string): string[] {
  const dir = join(repo, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(folder, name));
}

/** The Markdown a reader of the repository meets: the root's, the guides, the packages' READMEs, past runs. */
function documents(): string[] {
  const packages = readdirSync(join(repo, "packages"))
    .map((name) => join("packages", name, "README.md"))
    .filter((file) => existsSync(join(repo, file)));
  return [...markdownIn("."), ...markdownIn("docs"), ...markdownIn("bench/results"), ...packages];
}

/** The text outside fenced code blocks and code spans: a link shown as code is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2 … */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const match of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const visible = (match[1] ?? "").replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[`*]/g, "");
    const slug = visible
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) result.add(match[1] ?? "");
  return result;
}

/** The link targets of a Markdown text: inline links and images, and reference definitions. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)];
  const references = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)];
  return [...inline, ...references].map((match) => match[1] ?? "");
}

/** What is wrong with each relative link of `file` (a path under `root`); empty when all resolve. */
function brokenLinks(root: string, file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …: not this repository's
    const [pathPart = "", anchor] = target.split("#", 2);
    const path = pathPart === "" ? join(root, file) : resolve(root, dirname(file), decodeURI(pathPart));
    if (relative(root, path).startsWith("..")) {
      problems.push(`${target}: outside the repository`);
    } else if (!existsSync(path)) {
      problems.push(`${target}: ${relative(root, path)} does not exist`);
    } else if (anchor !== undefined && path.endsWith(".md") && statSync(path).isFile()) {
      if (!anchors(readFileSync(path, "utf8")).has(decodeURIComponent(anchor))) {
        problems.push(`${target}: ${relative(root, path)} has no heading #${anchor}`);
      }
    }
  }
  return problems;
}

describe("links between the project's documents", () => {
  const files = documents();

  it("finds the documents to check", () => {
    expect(files).toEqual(expect.arrayContaining(["README.md", "BENCHMARKS.md", "docs/commands.md"]));
  });

  it.each(files)("every relative link in %s resolves", (file) => {
    expect(brokenLinks(repo, file, readFileSync(join(repo, file), "utf8"))).toEqual([]);
  });

  it("reports a missing file, a missing heading and a link that leaves the repository", () => {
    const text = [
      "[gone](docs/no-such-guide.md) [bad anchor](README.md#no-such-heading)",
      "[up](../../outside.md) [fine](docs/commands.md#exit-codes) [web](https://example.org/x.md)",
      "`[in code](nowhere.md)`",
      "```",
      "[in a block](nowhere.md)",
      "```",
    ].join("\n");
    expect(brokenLinks(repo, "README.md", text)).toEqual([
      "docs/no-such-guide.md: docs/no-such-guide.md does not exist",
      "README.md#no-such-heading: README.md has no heading #no-such-heading",
      "../../outside.md: outside the repository",
    ]);
  });

  it("spells anchors as GitHub does", () => {
    const text =
      "# `zrec get <id> [--force]`\n## Setup and doctor\n## Setup and doctor\n### Why? (the **s3rver** case)";
    expect([...anchors(text)]).toEqual([
      "zrec-get-id---force",
      "setup-and-doctor",
      "setup-and-doctor-1",
      "why-the-s3rver-case",
    ]);
  });
});
