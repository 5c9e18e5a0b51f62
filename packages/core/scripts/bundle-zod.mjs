#!/usr/bin/env node
/**
 * Replaces dist/config/zod.js (tsc's `export * from "zod"`) with zod bundled into that one file:
 * one module to resolve and compile instead of about 230 (issue #18: zod was 72 ms of `zrec list`'s
 * start-up). The types (dist/config/zod.d.ts) stay tsc's, which point at zod itself.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const pkg = fileURLToPath(new URL("..", import.meta.url));
await build({
  stdin: { contents: 'export * from "zod";', resolveDir: pkg, sourcefile: "zod-entry.js" },
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
