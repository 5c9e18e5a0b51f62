// @ts-check
/**
 * Bundles the built CLI (tsc's dist/main.js and what it imports: core, commander, ora, undici, p-limit,
 * zod) into one CommonJS file, dist/zrec-bundle.cjs, and writes the binary `bin` names, dist/zrec.cjs: the
 * launcher (src/launcher.ts), which runs the bundle with a V8 code cache. Run after `tsc -b` (`pnpm
 * build` does both).
 *
 * Why one CommonJS file: Node 20 has no compile cache for modules, and every `zrec` run parsed and
 * compiled the CLI, core, undici and zod before doing anything; V8's code cache exists for scripts.
 * Lazy loading stays: what a command imports with `await import()` is wrapped by esbuild in an init
 * function and runs only when called, so `zrec --help` still runs commander alone (the build fails
 * when a module outside the CLI's own would run at every start).
 *
 * Left out, and so dependencies of this package: better-sqlite3 (a native module), the AWS SDK (loaded
 * only by a run that configures AWS, and big enough that bundling it would slow the build for nothing)
 * and cosmiconfig (loaded only for a configuration that is not JSON; its loaders use `require`'s
 * internals, which a bundle does not have).
 */
import { execFileSync } from "node:child_process";
import { chmod, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { undiciHttp1Only } from "../../../scripts/undici-http1-only.mjs";

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(packageDir, "dist");

/** Removes the launcher's compile caches: they belong to the bundle they were made from. */
async function removeCaches() {
  for (const name of await readdir(dist).catch(() => [])) {
    if (/^zrec-bundle\.cjs\..*cache/.test(name)) await rm(path.join(dist, name), { force: true });
  }
}

await rm(path.join(dist, "chunks"), { recursive: true, force: true });
await removeCaches();
const bundleFile = path.join(dist, "zrec-bundle.cjs");
const { metafile } = await build({
  absWorkingDir: packageDir,
  entryPoints: [path.join(dist, "main.js")],
  outfile: bundleFile,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // `import()` of what stays outside becomes require(): a script compiled by vm.Script (the launcher)
  // has no module loader of its own.
  supported: { "dynamic-import": false },
  external: ["better-sqlite3", "@aws-sdk/*", "cosmiconfig"],
  plugins: [undiciHttp1Only],
  // program.ts finds ../package.json from its own URL: the bundle's, in dist/.
  define: { "import.meta.url": "__zrecBundleUrl" },
  // Strict first, as the ES modules it is made of were: a banner line ahead of esbuild's own
  // "use strict" would turn the whole file sloppy.
  banner: {
    js: '"use strict";\nconst __zrecBundleUrl = require("node:url").pathToFileURL(__filename).href;',
  },
  // Names and lines stay readable: `--verbose` prints stack traces from this file.
  minify: false,
  legalComments: "eof",
  logLevel: "warning",
  metafile: true,
});

// Modules run when first needed: esbuild wraps each one a command imports lazily in an init function
// named by its path. A hook on those (`globalThis.__zrecModuleInit`, set only by the lazy-loading test)
// says which ran; modules the entry imports outright are hoisted and always run.
// main.ts's #! line would not parse inside the function the launcher wraps the bundle in.
const code = (await readFile(bundleFile, "utf8")).replace(/^#!.*\n/, "");
/** The first line of each of esbuild's two wrappers, and the hook that goes after it. */
const wrappers = [
  [
    "var __esm = (fn, res, err) => function __init() {\n",
    "  if (fn) globalThis.__zrecModuleInit?.(__getOwnPropNames(fn)[0]);\n",
  ],
  [
    "var __commonJS = (cb, mod) => function __require() {\n",
    "  if (!mod) globalThis.__zrecModuleInit?.(__getOwnPropNames(cb)[0]);\n",
  ],
];
let hooked = code;
for (const [line, hook] of wrappers) {
  if (code.split(line).length !== 2) {
    throw new Error(
      `esbuild's wrapper ${JSON.stringify(line.trim())} is not as bundle.mjs knows it: update the hook`,
    );
  }
  hooked = hooked.replace(line, line + hook);
}
await writeFile(bundleFile, hooked);

// Which modules the bundle holds, and which of them run at every start (absolute paths): the
// lazy-loading test counts those as always loaded and reads the others from the hook.
const wrapped = new Set(
  [...code.matchAll(/__(?:esm|commonJS)\(\{\n\s*"([^"]+)"/g)].map((match) =>
    path.resolve(packageDir, match[1] ?? ""),
  ),
);
const inputs = Object.keys(metafile.outputs[path.relative(packageDir, bundleFile)]?.inputs ?? {}).map(
  (input) => path.resolve(packageDir, input),
);
const hoisted = inputs.filter((input) => !wrapped.has(input));
// `zrec --help` must not run core: a static import of it from the entry would hoist it.
const tooEarly = hoisted.filter((input) => !input.startsWith(path.join(packageDir, "dist")));
if (inputs.length === 0 || tooEarly.length > 0) {
  throw new Error(`modules that would run at every start: ${tooEarly.join(", ") || "(no inputs found)"}`);
}
await writeFile(
  path.join(dist, "bundle-inputs.json"),
  `${JSON.stringify({ bundle: bundleFile, inputs, alwaysLoaded: hoisted }, null, 1)}\n`,
);

// The binary: the launcher, which runs the bundle with its code cache. CommonJS too: an ES module as
// the entry makes Node set up its module loader first, ~18 ms of every start here for nothing.
await build({
  absWorkingDir: packageDir,
  entryPoints: [path.join(dist, "launcher.js")],
  outfile: path.join(dist, "zrec.cjs"),
  format: "cjs",
  platform: "node",
  target: "node20",
  define: { "import.meta.url": "__zrecLauncherUrl" },
  banner: {
    js: '#!/usr/bin/env node\n"use strict";\nconst __zrecLauncherUrl = require("node:url").pathToFileURL(__filename).href;',
  },
  logLevel: "warning",
});
await chmod(path.join(dist, "zrec.cjs"), 0o755);
// The binary's name until 2026-12-03, which systemd units and scripts may still run: it runs the new one.
await writeFile(
  path.join(dist, "zrec.js"),
  '#!/usr/bin/env node\n// The binary is zrec.cjs; this name is kept for units and scripts written before.\nimport "./zrec.cjs";\n',
  { mode: 0o755 },
);

// program.ts reads ../package.json beside the file it is in: dist/zrec.cjs must keep that code, and
// find the version there.
const { version } = JSON.parse(await readFile(path.join(packageDir, "package.json"), "utf8"));
const said = execFileSync(process.execPath, [path.join(dist, "zrec.cjs"), "--version"], { encoding: "utf8" });
if (said.trim() !== version) {
  throw new Error(`dist/zrec.cjs --version said ${JSON.stringify(said.trim())}, not ${version}`);
}
// That run made a cache: a package must not ship one (bytecode nobody reviews, for one Node).
await removeCaches();
