#!/usr/bin/env node
/**
 * Replaces dist/config/zod.js (tsc's `export * from "zod"`) with the parts of zod core uses bundled into
 * that one file:
 * one module to resolve and compile instead of about 230 (issue #18: zod was 72 ms of `zrec list`'s
 * start-up). The types (dist/config/zod.d.ts) stay tsc's, which point at zod itself.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import * as zod from "zod";

const pkg = fileURLToPath(new URL("..", import.meta.url));

/**
 * The members of zod core's sources use (`z.strictObject`, `z.ZodObject`, …), found by reading them:
 * the bundle exports only those, a quarter of zod, and compiles in a quarter of the time (every
 * command that reads a configuration pays it). Types (`z.infer`) are not runtime exports and drop out.
 * The tests run on the sources (all of zod): the end-to-end suites, which run this bundle, catch a
 * member this scan would miss.
 */
async function membersUsed() {
  const used = new Set();
  const files = await readdir(path.join(pkg, "src"), { recursive: true });
  for (const file of files.filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
    const text = await readFile(path.join(pkg, "src", file), "utf8");
    if (!/from\s+["'][./]*(config\/)?zod\.js["']/.test(text)) continue;
    // `z.core.$ZodIssue` is a type (zod's `$` names are its internals' types), not a use of `core`.
    for (const match of text.matchAll(/\bz\s*\.\s*([A-Za-z_$][\w$]*)(?!\.\$)/g)) used.add(match[1]);
  }
  return [...used].filter((name) => name in zod).sort();
}

const members = await membersUsed();
await build({
  stdin: {
    contents: `export { ${members.join(", ")} } from "zod";`,
    resolveDir: pkg,
    sourcefile: "zod-entry.js",
  },
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Whitespace and syntax only: names stay, so a stack trace through zod still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "eof",
  outfile: `${pkg}/dist/config/zod.js`,
  allowOverwrite: true,
  logLevel: "warning",
});
