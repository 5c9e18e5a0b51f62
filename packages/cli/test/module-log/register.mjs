/**
 * Preloaded with `node --import` by the lazy-loading test: records the URL of every module the process
 * imports, one per line, into the file named by ZREC_MODULE_LOG. ESM keeps no inspectable cache, so a
 * resolve hook is the one place that sees them all. Node's own public modules (`node:http2`) are added
 * at exit from `process.moduleLoadList`: the bundle's CommonJS parts require them past the hook.
 */
import { appendFileSync } from "node:fs";
import { register } from "node:module";

const file = process.env.ZREC_MODULE_LOG;
register("./hooks.mjs", import.meta.url, { data: { file } });

process.on("exit", () => {
  if (!file) return;
  const builtins = process.moduleLoadList
    .filter((entry) => entry.startsWith("NativeModule ") && !entry.includes("internal/"))
    .map((entry) => `node:${entry.slice("NativeModule ".length)}\n`);
  appendFileSync(file, builtins.join(""));
});
