// @ts-check
/**
 * Bundles the built CLI (tsc's dist/main.js and what it imports: core, commander, cosmiconfig, ora,
 * undici, p-limit, zod) into dist/zrec.js, the file `bin` names, with what a command loads lazily split
 * into dist/chunks/. Run after `tsc -b` (`pnpm build` does both).
 *
 * Why: Node 20 has no compile cache, and every `zrec` run resolved, read and compiled ~150 modules
 * before doing anything (~100 ms of a 2.6 s ingest on the benchmark machine; issue #16's target). A
 * bundle of a few chunks is resolved once and compiled lazily by V8. Lazy loading stays as it was: each
 * `await import()` is a chunk of its own, so `zrec --help` still loads commander only.
 *
 * Left out, and so dependencies of this package: better-sqlite3 (a native module), the AWS SDK (loaded
 * only by a run that configures AWS, and big enough that bundling it would slow the build for nothing)
 * and cosmiconfig (loaded only for a configuration that is not JSON; its loaders use `require`'s
 * internals, which a bundle does not have).
 */
import { execFileSync } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { undiciHttp1Only } from "../../../scripts/undici-http1-only.mjs";

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(packageDir, "dist");

await rm(path.join(dist, "chunks"), { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: { zrec: path.join(dist, "main.js") },
  outdir: dist,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3", "@aws-sdk/*", "cosmiconfig"],
  plugins: [undiciHttp1Only],
  // The CommonJS packages bundled (undici, commander) require Node's own modules; an ES module has no
  // `require` of its own.
  banner: {
    js: 'import { createRequire as __zrecCreateRequire } from "node:module"; const require = __zrecCreateRequire(import.meta.url);',
  },
  // Names and lines stay readable: `--verbose` prints stack traces from this file.
  minify: false,
  legalComments: "eof",
  logLevel: "warning",
  metafile: true,
});

// Which modules each output file holds (absolute paths): the lazy-loading test reads a chunk it sees
// loaded as the modules in it, so it still checks modules, not chunk names.
/** @type {Record<string, string[]>} */
const inputs = {};
for (const [output, { inputs: held }] of Object.entries(metafile.outputs)) {
  if (!output.endsWith(".js")) continue;
  inputs[path.resolve(output)] = Object.keys(held).map((input) => path.resolve(input));
}
await writeFile(path.join(dist, "bundle-inputs.json"), `${JSON.stringify(inputs, null, 1)}\n`);

// program.ts reads ../package.json beside the file it is in: dist/zrec.js must keep that code, and
// find the version there.
const { version } = JSON.parse(await readFile(path.join(packageDir, "package.json"), "utf8"));
const said = execFileSync(process.execPath, [path.join(dist, "zrec.js"), "--version"], { encoding: "utf8" });
if (said.trim() !== version) {
  throw new Error(`dist/zrec.js --version said ${JSON.stringify(said.trim())}, not ${version}`);
}
