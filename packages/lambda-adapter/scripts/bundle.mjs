// @ts-check
/**
 * Bundles each handler in src/handlers/ into dist/handlers/<name>.mjs (ESM, Node 20, minified, with a
 * source map) and writes dist/state-machine.asl.json. Run after `tsc -b` (the definition is read from
 * dist/lib/): `node packages/lambda-adapter/scripts/bundle.mjs`. The state machine's MaxConcurrency is
 * `ingest.fileConcurrency` of the JSON in ZREC_CONFIG when set, else the default (5).
 *
 * The handlers are split (issue #14): what a handler imports with `await import()` (an AWS SDK client,
 * a storage adapter, the SDK's fallback credential providers) is a chunk of its own in
 * dist/handlers/chunks/, loaded only when that code runs; code several handlers share is a chunk too.
 * So a cold start reads what its handler uses, not every client any configuration could need.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { undiciHttp1Only } from "../../../scripts/undici-http1-only.mjs";

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** The shared and lazily loaded parts of the handlers, under dist/handlers/. */
const CHUNKS = "chunks";

/** The handler names: the files of src/handlers/, tests aside. */
export async function handlerNames() {
  const files = await readdir(path.join(packageDir, "src", "handlers"));
  return files
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .map((file) => file.slice(0, -3))
    .sort();
}

/**
 * Core opens SQLite (the index, serve's job queue) only through `await import(…)`, when configured.
 * Such a module is replaced by one that fails with a sentence, so neither it nor better-sqlite3 (a
 * native module Lambda does not have) is bundled; esbuild would otherwise hoist its import to the top
 * of the bundle, where it would fail every cold start.
 * @type {import("esbuild").Plugin}
 */
const withoutSqlite = {
  name: "zrec-without-sqlite",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind !== "dynamic-import" || args.pluginData === "resolving") return undefined;
      const resolved = await pluginBuild.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: "resolving",
      });
      if (resolved.errors.length > 0 || resolved.external) return undefined;
      const source = await readFile(resolved.path, "utf8").catch(() => "");
      if (!/from\s+["']better-sqlite3["']/.test(source)) return undefined;
      return { path: path.basename(resolved.path), namespace: "zrec-without-sqlite" };
    });
    pluginBuild.onLoad({ filter: /.*/, namespace: "zrec-without-sqlite" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(
        `${args.path} needs SQLite, which the Lambda bundles leave out: configure the dynamodb index on Lambda.`,
      )});`,
      loader: "js",
    }));
  },
};

/**
 * @param {{ outdir?: string, names?: string[], minify?: boolean }} [options]
 * @returns {Promise<import("./bundle.d.mts").BundleSize[]>}
 */
export async function bundleHandlers(options = {}) {
  const outdir = options.outdir ?? path.join(packageDir, "dist", "handlers");
  const names = options.names ?? (await handlerNames());
  // Chunk names change with their content: the last build's would stay in the deployment package.
  await rm(path.join(outdir, CHUNKS), { recursive: true, force: true });
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: names.map((name) => ({ in: `src/handlers/${name}.ts`, out: name })),
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    chunkNames: `${CHUNKS}/[name]-[hash]`,
    platform: "node",
    target: "node20",
    format: "esm",
    // Core is bundled from its TypeScript source: no build order to get wrong. "module" (and the
    // module main field) picks the AWS SDK's ES modules, which esbuild can shake down to the commands
    // used; its CommonJS build (the "node" condition) comes whole.
    conditions: ["source", "module"],
    mainFields: ["module", "main"],
    minify: options.minify ?? true,
    sourcemap: "linked",
    legalComments: "none",
    external: ["better-sqlite3"],
    plugins: [withoutSqlite, undiciHttp1Only],
    // Some CommonJS dependencies of the AWS SDK call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __zrecCreateRequire } from 'node:module'; const require = __zrecCreateRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: "warning",
  });
  const outputs = result.metafile.outputs;
  const byFile = new Map(Object.keys(outputs).map((out) => [path.resolve(packageDir, out), out]));
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(outdir, `${name}.mjs`);
      const entry = byFile.get(file) ?? "";
      const loaded = await Promise.all([...(await loadedAtImport(file))].map((f) => readFile(f)));
      return {
        name,
        bytes: (await stat(file)).size,
        loadBytes: loaded.reduce((sum, contents) => sum + contents.length, 0),
        gzipBytes: loaded.reduce((sum, contents) => sum + gzipSync(contents).length, 0),
        inputs: [
          ...new Set(mayLoad(outputs, entry).flatMap((out) => Object.keys(outputs[out]?.inputs ?? {}))),
        ],
      };
    }),
  );
}

/** A static import in esbuild's output (`import{a as b}from"./chunks/x.mjs"`, `import"./x.mjs"`), not `import(…)`. */
const STATIC_IMPORT = /\bimport\s*(?:[\w${*][^"'`()]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g;

/**
 * The built files Node reads when it imports `file`: the file and the chunks it imports statically,
 * directly or through each other (chunks it loads with `import()` are left out). Read from the files
 * themselves, so it also measures a build made elsewhere; a match inside a string can only add a file.
 * @example
 * const files = await loadedAtImport("dist/handlers/webhook.mjs"); // webhook.mjs and 5 chunks
 * @param {string} file
 * @param {Set<string>} [seen]
 * @returns {Promise<Set<string>>}
 */
export async function loadedAtImport(file, seen = new Set()) {
  if (seen.has(file) || !existsSync(file)) return seen;
  seen.add(file);
  for (const [, specifier] of (await readFile(file, "utf8")).matchAll(STATIC_IMPORT)) {
    await loadedAtImport(path.resolve(path.dirname(file), specifier ?? ""), seen);
  }
  return seen;
}

/**
 * Every output file `entry` may load, statically or with `import()`, directly or through others
 * (`entry` first): what a handler could ever run, for the tests of what it must not hold.
 * @param {import("esbuild").Metafile["outputs"]} outputs
 * @param {string} entry
 */
function mayLoad(outputs, entry) {
  const seen = new Set([entry]);
  for (const out of seen) {
    for (const { path: imported } of outputs[out]?.imports ?? []) {
      if (imported in outputs) seen.add(imported);
    }
  }
  return [...seen];
}

/** MaxConcurrency for the definition: from ZREC_CONFIG when it sets it, else core's default. */
async function fileConcurrency() {
  const { loadConfig } = await import("@zrec/core");
  const text = process.env.ZREC_CONFIG;
  return loadConfig(text ? JSON.parse(text) : undefined, { env: {}, source: "ZREC_CONFIG" }).ingest
    .fileConcurrency;
}

async function main() {
  const { stateMachineDefinition } = await import("../dist/lib/index.js");
  const definition = stateMachineDefinition({ fileConcurrency: await fileConcurrency() });
  await writeFile(
    path.join(packageDir, "dist", "state-machine.asl.json"),
    `${JSON.stringify(definition, null, 2)}\n`,
  );
  const sizes = await bundleHandlers();
  const kib = (/** @type {number} */ bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  for (const { name, loadBytes, gzipBytes } of sizes) {
    console.log(
      `dist/handlers/${name}.mjs  ${kib(loadBytes)} loaded at import (${kib(gzipBytes)} gzipped), with its chunks`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
