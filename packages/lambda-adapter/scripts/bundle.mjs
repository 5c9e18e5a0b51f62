// @ts-check
/**
 * Bundles each handler in src/handlers/ into dist/handlers/<name>.mjs (ESM, Node 20, minified, with a
 * source map) and writes dist/state-machine.asl.json. Run after `tsc -b` (the definition is read from
 * dist/lib/): `node packages/lambda-adapter/scripts/bundle.mjs`. The state machine's MaxConcurrency is
 * `ingest.fileConcurrency` of the JSON in ZREC_CONFIG when set, else the default (5).
 */
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

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
 * @returns {Promise<{ name: string, bytes: number, gzipBytes: number, inputs: string[] }[]>}
 */
export async function bundleHandlers(options = {}) {
  const outdir = options.outdir ?? path.join(packageDir, "dist", "handlers");
  const names = options.names ?? (await handlerNames());
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: names.map((name) => ({ in: `src/handlers/${name}.ts`, out: name })),
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    // Core is bundled from its TypeScript source: no build order to get wrong.
    conditions: ["source"],
    minify: options.minify ?? true,
    sourcemap: "linked",
    legalComments: "none",
    external: ["better-sqlite3"],
    plugins: [withoutSqlite],
    // Some CommonJS dependencies of the AWS SDK call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __zrecCreateRequire } from 'node:module'; const require = __zrecCreateRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: "warning",
  });
  const outputs = Object.entries(result.metafile.outputs);
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(outdir, `${name}.mjs`);
      const [, output] = outputs.find(([out]) => path.resolve(packageDir, out) === file) ?? [];
      return {
        name,
        bytes: (await stat(file)).size,
        gzipBytes: gzipSync(await readFile(file)).length,
        inputs: Object.keys(output?.inputs ?? {}),
      };
    }),
  );
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
  for (const { name, bytes, gzipBytes } of sizes) {
    console.log(`dist/handlers/${name}.mjs  ${kib(bytes)} (${kib(gzipBytes)} gzipped)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
