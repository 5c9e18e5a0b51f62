/**
 * Preloaded with `node --import` by the lazy-loading test: records every module the process runs, one
 * per line, into the file named by ZREC_MODULE_LOG:
 * - ES modules by URL, from a resolve hook (ESM keeps no inspectable cache);
 * - the modules of the CLI's bundle by the path esbuild gave them (relative to packages/cli), as the
 *   bundle's init wrappers run them (`globalThis.__zrecModuleInit`, scripts/bundle.mjs);
 * - at exit, CommonJS files required from outside the bundle (better-sqlite3, the AWS SDK) by path,
 *   and Node's own public modules (`node:http2`).
 */
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const file = process.env.ZREC_MODULE_LOG;
register("./hooks.mjs", import.meta.url, { data: { file } });

globalThis.__zrecModuleInit = (key) => {
  if (file) appendFileSync(file, `bundle:${key}\n`);
};

process.on("exit", () => {
  if (!file) return;
  const required = Object.keys(createRequire(import.meta.url).cache).map(
    (path) => `${pathToFileURL(path).href}\n`,
  );
  const builtins = process.moduleLoadList
    .filter((entry) => entry.startsWith("NativeModule ") && !entry.includes("internal/"))
    .map((entry) => `node:${entry.slice("NativeModule ".length)}\n`);
  appendFileSync(file, required.join("") + builtins.join(""));
});
